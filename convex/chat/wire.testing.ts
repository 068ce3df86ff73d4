/**
 * Whole chat turns against real providers on the wire: the AI SDK's own
 * OpenAI-compatible and Anthropic providers talk HTTP to a local server that
 * replays the providers' documented streams (convex/models/wire). Real timers
 * throughout — a socket and a fake clock don't mix — with fast retry settings.
 */
import { afterEach, vi } from "vitest";
import { api } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { startProviderServer, type ProviderServer } from "../models/wire/providerServer.testing";
import { newHarness, type Harness } from "../test.setup";
import { messagesOf, userWithThread, type Caller } from "./testkit.testing";

export const WIRE_TEST = { timeout: 60_000 };
export const OPENAI_KEY = "sk-wire-test-0000000000000000000000000000abcd";
export const ANTHROPIC_KEY = "sk-ant-wire-test-00000000000000000000wxyz";

/** The provider server, and the deployment's environment pointing at it. */
export async function wireProviders(provider: "openai" | "anthropic" = "openai"): Promise<ProviderServer> {
  const server = await startProviderServer();
  vi.stubEnv("OPENAI_COMPATIBLE_BASE_URL", server.openaiBaseURL);
  vi.stubEnv("OPENAI_COMPATIBLE_API_KEY", OPENAI_KEY);
  vi.stubEnv("ANTHROPIC_API_KEY", ANTHROPIC_KEY);
  vi.stubEnv("ANTHROPIC_BASE_URL", server.anthropicBaseURL);
  vi.stubEnv("HARNESS_DEFAULT_MODEL", provider === "openai" ? "openai-compatible/gpt-4o-mini" : "anthropic/claude-sonnet-4-5");
  // Fast, so the faults below take milliseconds: backoff 20 ms, a stall noticed after 600 ms.
  vi.stubEnv("HARNESS_MODEL_BACKOFF_MS", "20");
  vi.stubEnv("HARNESS_MODEL_UNREACHABLE_RETRY_MS", "20");
  vi.stubEnv("HARNESS_MODEL_STALL_MS", "600");
  return server;
}

/** A message triage hands to the model (greetings and "what time is it" it answers itself). */
export const QUESTION = "Explain what a journal is in a workflow engine";

/**
 * For a test file: `turnOn(provider)` starts a provider server, points the
 * deployment's environment at it and gives a user with a thread; after each
 * test the server is closed and the environment restored.
 */
export function wireSuite() {
  let server: ProviderServer | undefined;
  afterEach(async () => {
    vi.unstubAllEnvs();
    await server?.close();
    server = undefined;
  });
  return {
    async turnOn(provider: "openai" | "anthropic" = "openai") {
      const started = await wireProviders(provider);
      server = started;
      const t = newHarness();
      const { user, thread } = await userWithThread(t);
      return { t, user, thread, server: started };
    },
  };
}

type Turn = Awaited<ReturnType<typeof turnsOf>>[number];

export async function turnsOf(user: Caller, threadId: Id<"threads">) {
  return await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId });
}

/** Wait (real time) until the thread's newest turn has ended, and return it. */
export async function endedTurn(user: Caller, threadId: Id<"threads">, timeout = 30_000): Promise<Turn> {
  return await vi.waitFor(
    async () => {
      const [turn] = await turnsOf(user, threadId);
      if (!turn || !["completed", "failed", "cancelled"].includes(turn.status)) throw new Error(`turn is ${turn?.status ?? "missing"}`);
      return turn;
    },
    { timeout, interval: 25 },
  );
}

/** After the run ends its workflow may still be finishing (onComplete, pool bookkeeping): let it. */
export async function quiesce(t: Harness) {
  await vi.waitFor(
    async () => {
      await t.finishInProgressScheduledFunctions();
    },
    { timeout: 5_000, interval: 25 },
  );
}

export async function runRow(t: Harness, interactionId: Id<"interactions">): Promise<Doc<"interactions">> {
  return (await t.run(async (ctx) => ctx.db.get("interactions", interactionId)))!;
}

export async function stepsOf(t: Harness, interactionId: Id<"interactions">): Promise<Doc<"steps">[]> {
  return await t.run(async (ctx) =>
    ctx.db
      .query("steps")
      .withIndex("by_interactionId_index", (q) => q.eq("interactionId", interactionId))
      .collect(),
  );
}

/** The assistant replies the user sees, and anything left half-written. */
export async function repliesOf(user: Caller, threadId: Id<"threads">) {
  const messages = await messagesOf(user, threadId);
  return {
    replies: messages.filter((m) => m.role === "assistant" && m.status === "success" && m.text.trim() !== "").map((m) => m.text),
    unfinished: messages.filter((m) => m.status === "streaming" || m.status === "pending"),
    messages,
  };
}

/** The chat requests' bodies the provider received, in order. */
export function chatBodies(server: ProviderServer, route: "openai.chat" | "anthropic.messages" = "openai.chat") {
  return server.requests.filter((r) => r.route === route).map((r) => r.body as Record<string, unknown>);
}
