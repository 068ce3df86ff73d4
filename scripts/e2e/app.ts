/**
 * Browser-test helpers: the real `npm start` entry (scripts/start.mjs) in a
 * child process on free ports with throw-away data, and Debian's Chromium
 * driven by playwright-core.
 *
 * Why a child process and not `startEngine()` in the test worker: it is what
 * a person runs (argument parsing, the start.mjs mode switch, tsx, the
 * engine's defaults such as the offline model's streaming delay), its logs
 * can be checked for server-side errors, and a crash in it cannot take the
 * test runner down with it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConvexClient } from "convex/browser";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach } from "vitest";
import WebSocket from "ws";
import { api } from "../../convex/_generated/api";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const SCREENSHOT_DIR = path.join(ROOT, "artifacts", "screenshots");
export const CHROMIUM_PATH = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export type App = {
  /** Where the SPA and the Convex API are served. */
  url: string;
  /** Everything the process printed so far (stdout and stderr). */
  logs(): string;
  stop(): Promise<void>;
};

/**
 * `node scripts/start.mjs --port 0 --reset --data-dir <tmp>`; resolves once it
 * prints where to open the app. `testFaults` adds `--enable-test-faults`
 * (`POST <url>/local-test/faults`, see scripts/local-engine/testFaults.ts).
 */
export async function startApp({ timeoutMs = 90_000, testFaults = false }: { timeoutMs?: number; testFaults?: boolean } = {}): Promise<App> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "harness-e2e-"));
  const env: NodeJS.ProcessEnv = { ...process.env, HARNESS_OFFLINE_MODEL_DELAY_MS: "60", FORCE_COLOR: "0" };
  // As a person's shell would have it: no test-runner variables, no deployment (the local engine).
  for (const name of Object.keys(env)) {
    if (name.startsWith("VITEST") || name === "NODE_ENV" || name === "TEST" || /^CONVEX_(DEPLOYMENT|URL|SELF_HOSTED_URL)$/.test(name)) delete env[name];
  }
  const flags = testFaults ? ["--enable-test-faults"] : [];
  const child: ChildProcess = spawn(process.execPath, ["scripts/start.mjs", "--port", "0", "--reset", "--data-dir", dataDir, ...flags], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Never outlive the test run, even when it ends without calling stop().
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  void exited.then(() => process.off("exit", killOnExit));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start printed no URL within ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        if (output.includes("Using the configured Convex deployment")) {
          reject(new Error("npm start found a Convex deployment configuration (.env.local?); browser tests need the local engine"));
        }
        const match = /Open the app:\s+(http:\/\/\S+)/.exec(output);
        if (match !== null) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout?.on("data", check);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`npm start exited (${signal ?? code}) before serving`));
      });
    });
    return { url, logs: () => output, stop };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}. Its output:\n${output}`);
  }
}

export type Browser = {
  context: BrowserContext;
  /** Uncaught page errors, from every page of the context. */
  pageErrors: string[];
  close(): Promise<void>;
};

/** Debian's Chromium with a fresh profile. Fails (never skips) when it is not installed. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. The browser tests need it: \`apt-get install -y chromium\` ` +
        `(.ci/run does this), or set CHROMIUM_PATH to a Chromium binary.`,
    );
  }
  const userDataDir = await mkdtemp(path.join(tmpdir(), "harness-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    timeout: 60_000,
  });
  context.setDefaultTimeout(30_000);
  const pageErrors: string[] = [];
  const watch = (page: Page) => page.on("pageerror", (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  context.pages().forEach(watch);
  context.on("page", watch);
  return {
    context,
    pageErrors,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Remove this suite's screenshots of an earlier run (names starting with `prefix`). */
export async function clearScreenshots(prefix: string): Promise<void> {
  const names = await readdir(SCREENSHOT_DIR).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => name.startsWith(prefix)).map((name) => rm(path.join(SCREENSHOT_DIR, name), { force: true })));
}

/** Save `artifacts/screenshots/<name>.png` (gitignored; `npm run screenshots` refreshes docs/screenshots). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}

/** What one page shows of the conversation. */
export type ThreadView = {
  /** Every message in order: role, status and text (replies: whether all of it is shown). */
  messages: Array<{ role: string; status: string; text: string; settled: boolean }>;
  /** Status of every turn footer, oldest first. */
  turns: string[];
};

export function readThread(page: Page): Promise<ThreadView> {
  return page.evaluate(() => ({
    messages: [...document.querySelectorAll('[data-testid="message"]')].map((message) => {
      const text = message.querySelector('[data-testid="message-text"]');
      return {
        role: message.getAttribute("data-role") ?? "",
        status: message.getAttribute("data-status") ?? "",
        text: text?.textContent ?? "",
        settled: text?.getAttribute("data-settled") === "true",
      };
    }),
    turns: [...document.querySelectorAll('[data-testid="turn"]')].map((turn) => turn.getAttribute("data-status") ?? ""),
  }));
}

/** The replies after the (last) prompt `prompt`. */
export function repliesTo(view: ThreadView, prompt: string) {
  const index = view.messages.findLastIndex((message) => message.role === "user" && message.text === prompt);
  if (index < 0) return [];
  const next = view.messages.findIndex((message, i) => i > index && message.role === "user");
  return view.messages.slice(index + 1, next < 0 ? undefined : next).filter((message) => message.role === "assistant");
}

/** Who signs in on the local sign-in page (scripts/local-engine/localAuth.ts): their name, email, organisation and role there. */
export type SignInAs = { url?: string; name: string; email?: string; orgId?: string; role?: "org:admin" | "org:member" | "org:readonly" };

/**
 * Sign in through the sign-in page (opening `url` first when given) and wait
 * until the app shows `landing`: the empty chat a new user lands on, or the
 * signed-in user's name wherever sign-in returns to.
 */
export async function signIn(
  page: Page,
  who: SignInAs,
  { landing = "chat-empty", timeoutMs = 45_000 }: { landing?: "chat-empty" | "current-user"; timeoutMs?: number } = {},
): Promise<void> {
  if (who.url !== undefined) await page.goto(who.url);
  await page.getByTestId("signin-name").fill(who.name);
  if (who.email !== undefined) await page.getByTestId("signin-email").fill(who.email);
  if (who.orgId !== undefined) await page.getByTestId("signin-org-id").fill(who.orgId);
  if (who.role !== undefined) await page.getByTestId("signin-org-role").selectOption(who.role);
  await page.getByTestId("signin-submit").click();
  await page.getByTestId(landing).waitFor({ timeout: timeoutMs });
}

/**
 * Open a new thread with the selected agent, send `prompt`, and wait until
 * its turn has completed and its reply is shown in full; returns the thread as shown then.
 */
export async function askInNewThread(page: Page, prompt: string, { timeoutMs = 45_000, what = "the reply" }: { timeoutMs?: number; what?: string } = {}): Promise<ThreadView> {
  await page.getByTestId("new-thread").click();
  await page.getByTestId("thread-empty").waitFor();
  const input = page.getByTestId("composer-input");
  await input.fill(prompt);
  await input.press("Enter");
  return await pollUntil(
    () => readThread(page),
    (view) => view.turns[0] === "completed" && repliesTo(view, prompt).some((reply) => reply.settled),
    { timeoutMs, what },
  );
}

/** Poll `read` until `done` accepts a value (or fail with the last one after `timeoutMs`). */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, { timeoutMs = 30_000, intervalMs = 40, what = "a condition" } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * The hooks every browser-test file needs: start the app and Chromium once
 * (in parallel), hand them to `ready`, and close both at the end. If either
 * cannot start, every test fails with that reason (a failing hook would only
 * skip them); Chromium missing is reported first, as the likelier cause.
 */
export function useAppAndBrowser(
  screenshotPrefix: string,
  ready: (session: { app: App; browser: Browser; page: Page }) => void,
  options: { testFaults?: boolean } = {},
): void {
  let app: App | undefined;
  let browser: Browser | undefined;
  let setupError: unknown = null;
  beforeAll(async () => {
    await clearScreenshots(screenshotPrefix);
    const [started, launched] = await Promise.allSettled([startApp(options), launchBrowser()]);
    if (started.status === "fulfilled") app = started.value;
    if (launched.status === "fulfilled") browser = launched.value;
    if (launched.status === "rejected") setupError = launched.reason;
    else if (started.status === "rejected") setupError = started.reason;
    else ready({ app: app!, browser: browser!, page: await browser!.context.newPage() });
  }, 120_000);
  beforeEach(() => {
    if (setupError !== null) throw setupError;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });
}

/**
 * What an operator does once per deployment: grant the platform-admin flag
 * with the service secret (the app must run with HARNESS_SERVICE_SECRET set
 * to `serviceSecret`) to the local user who signed in with `email`.
 */
export async function makePlatformAdmin(app: App, email: string, serviceSecret: string): Promise<void> {
  const users = (await (await fetch(`${app.url}/local-auth/users`)).json()) as { users: { subject: string; email: string }[] };
  const subject = users.users.find((u) => u.email === email)?.subject;
  if (subject === undefined) throw new Error(`no local user signed in as ${email}`);
  const client = new ConvexClient(app.url, {
    webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
    unsavedChangesWarning: false,
    logger: false,
  });
  try {
    await client.mutation(api.admin.platform.setPlatformAdmin, {
      serviceSecret,
      tokenIdentifier: `local-engine|${subject}`,
      isPlatformAdmin: true,
    });
  } finally {
    await client.close();
  }
}
