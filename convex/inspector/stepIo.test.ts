/**
 * Each step's input and output as support staff see them in a run's
 * timeline (getRun): a model call's prompt and reply, a tool call's
 * arguments and result, a delegation's handover and answer — secrets
 * redacted, long payloads cut with a marker — and only for staff who may see
 * the run.
 */
import { afterEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { endedTurn, OPENAI_KEY, quiesce, wireProviders } from "../chat/wire.testing";
import { assistantOf, send, settle, userWithThread, type Caller } from "../chat/testkit.testing";
import { offlineModel } from "../lib/faults.testing";
import { STEP_PAYLOAD_MAX_CHARS } from "../runs/stepPayload";
import { asMember, codeOf, newHarness } from "../test.setup";
import { createSigningSecret, installTool, startToolServer, toolManifest, toolTestEnv, type ToolServer } from "../tools/http/toolServer.testing";
import type { Id } from "../_generated/dataModel";
import { startEverything, type EverythingServer } from "../mcp/everything.testing";
import { fixtureEvents, type ProviderServer } from "../models/wire/providerServer.testing";

let server: ToolServer | undefined;
let provider: ProviderServer | undefined;
let everything: EverythingServer | undefined;
afterEach(async () => {
  offlineModel.options = undefined;
  vi.useRealTimers();
  vi.unstubAllEnvs();
  await server?.close();
  await provider?.close();
  await everything?.stop();
  server = undefined;
  provider = undefined;
  everything = undefined;
});

async function timelineOf(staff: Caller, interactionId: Id<"interactions">) {
  return await staff.client.query(api.inspector.runs.getRun, { accountId: staff.accountId, interactionId });
}

test("a tool turn: the model call's prompt and tool request, the tool's arguments and result, the reply — as staff see them", async () => {
  vi.useFakeTimers();
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_io_time", role: "admin" });
  const { interactionId } = await send(user, thread.threadId, "What time is it in Tokyo?");
  await settle(t);
  const { steps, messages } = await timelineOf(user, interactionId);
  const [triage, firstCall, tool, secondCall] = steps;
  expect(steps.map((s) => s.kind)).toEqual(["triage", "llm", "tool", "llm"]);

  // A step that keeps nothing shows nothing new.
  expect(triage!.input).toBeUndefined();
  expect(triage!.output).toBeUndefined();

  // The first model call: the user's message, a note of the instructions, the tools offered — and the call it asked for.
  const asked = JSON.parse(firstCall!.input!) as { prompt: string; instructions: string; tools: string[]; contextEntries: number };
  expect(asked.prompt).toBe("What time is it in Tokyo?");
  expect(asked.tools).toContain("current_time");
  expect(asked.instructions.length).toBeGreaterThan(0);
  expect(asked.contextEntries).toBe(0);
  const requested = JSON.parse(firstCall!.output!) as { toolCalls: { tool: string; args: { timezone?: string } }[] };
  expect(requested.toolCalls).toEqual([{ tool: "current_time", args: expect.objectContaining({ timezone: "Asia/Tokyo" }) }]);

  // The tool: its arguments in, its result out.
  expect(JSON.parse(tool!.input!)).toMatchObject({ timezone: "Asia/Tokyo" });
  const result = JSON.parse(tool!.output!) as Record<string, unknown>;
  expect(result).toMatchObject({ timezone: "Asia/Tokyo" });
  expect(tool!.output).toBe(tool!.toolCall!.result);

  // The second call answers after the tool's result: its output is the reply the user read.
  expect(JSON.parse(secondCall!.input!)).toMatchObject({ prompt: "What time is it in Tokyo?", after: "the tool results of model call 1" });
  expect(secondCall!.output).toBe(messages.at(-1)!.text);
});

test("a delegation: its handover in, the delegate's answer out; the delegate's own run shows its model call; only staff of the account see it", async () => {
  vi.useFakeTimers();
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_io_delegate", role: "admin" });
  const { interactionId } = await send(user, thread.threadId, "Ask the researcher to find three facts about tides");
  await settle(t);
  const root = await timelineOf(user, interactionId);
  const delegation = root.steps.find((s) => s.kind === "delegation")!;
  expect(delegation.status).toBe("succeeded");
  const handover = JSON.parse(delegation.input!) as { task: string };
  expect(handover.task).toMatch(/tides/);

  const child = await timelineOf(user, delegation.childInteractionId!);
  const answer = child.messages.at(-1)!;
  expect(answer).toMatchObject({ role: "assistant", status: "success" });
  expect(delegation.output).toBe(answer.text);
  // The delegate's model call was given the handover as its prompt, and its output is the same answer.
  const childCall = child.steps.find((s) => s.kind === "llm")!;
  expect((JSON.parse(childCall.input!) as { prompt: string }).prompt).toContain(handover.task);
  expect(childCall.output).toBe(answer.text);

  // The existing access checks stand in front of the payloads: a plain member is refused, another account sees nothing.
  const member = await asMember(t, "org_io_delegate", "member");
  expect(await codeOf(member.client.query(api.inspector.runs.getRun, { accountId: member.accountId, interactionId }))).toBe("forbidden");
  const other = await userWithThread(t, { orgId: "org_io_other", role: "admin" });
  expect(await codeOf(other.user.client.query(api.inspector.runs.getRun, { accountId: other.user.accountId, interactionId }))).toBe("not_found");
});

test("a model call that keeps failing keeps its input and has no output; retried, the same step shows the reply it finally gave", async () => {
  vi.useFakeTimers();
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_io_retry", role: "admin" });
  offlineModel.options = { faults: { failNextCalls: 4, error: "429" } };
  const { interactionId } = await send(user, thread.threadId, "Give me three facts about tides");
  await settle(t);
  const failed = (await timelineOf(user, interactionId)).steps.find((s) => s.kind === "llm")!;
  expect(failed).toMatchObject({ status: "failed", attempt: 4 });
  expect((JSON.parse(failed.input!) as { prompt: string }).prompt).toBe("Give me three facts about tides");
  expect(failed.output).toBeUndefined();

  await user.client.mutation(api.chat.runs.retry, { accountId: user.accountId, interactionId });
  await settle(t);
  const { run, steps, messages } = await timelineOf(user, interactionId);
  expect(run.status).toBe("completed");
  const calls = steps.filter((s) => s.kind === "llm");
  expect(calls.every((call) => call.status === "succeeded" && call.input !== undefined)).toBe(true);
  expect(calls.at(-1)!.output).toBe(messages.at(-1)!.text);
});

const GITHUB_TOKEN = "ghp_R2d2C3poBb8Yoda1Luke2Leia3Han4Chewie5";
const STRIPE_KEY = "sk_live_51HxQ2mKd9Lw3Rt7Yb0Vn4Cz8";

test(
  "an external tool: a secret in its arguments and in its answer shows redacted everywhere staff look; a long answer is cut with a marker",
  { timeout: 60_000 },
  async () => {
    toolTestEnv();
    // The largest answer a tool may give (20,000 characters): a secret up front, rows after.
    const rows = Array.from({ length: 300 }, (_, i) => ({ sku: `SKU-${i}`, name: "Wool socks, pair", qty: i % 7 }));
    server = await startToolServer(() => ({ status: 200, body: { api_token: STRIPE_KEY, note: `billing key ${STRIPE_KEY}`, rows } }));
    const t = newHarness();
    const { user, thread, agentId } = await userWithThread(t, { orgId: "org_io_http", role: "admin" });
    server.trust(await createSigningSecret(user));
    const slug = await installTool(user, agentId, toolManifest(server.url("/orders")));
    const { interactionId } = await send(user, thread.threadId, `Please ${slug} for order A-7 using token ${GITHUB_TOKEN}`);
    expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
    await quiesce(t);

    // The tool really got the secret and really answered with one: redaction is what staff see, not what ran.
    expect(server.requests[0]!.rawBody).toContain(GITHUB_TOKEN);
    const answerChars = JSON.stringify({ api_token: STRIPE_KEY, note: `billing key ${STRIPE_KEY}`, rows }).length;
    expect(answerChars).toBeGreaterThan(12_000);
    expect(answerChars).toBeLessThanOrEqual(20_000);

    const timeline = await timelineOf(user, interactionId);
    const tool = timeline.steps.find((s) => s.kind === "tool")!;
    expect(tool.status).toBe("succeeded");
    expect(JSON.parse(tool.input!)).toEqual({ order_id: expect.stringContaining("ghp_[redacted]") });
    expect(tool.output!.startsWith('{"api_token":"[redacted]","note":"billing key sk_live_[redacted]","rows":[')).toBe(true);
    expect(tool.output).toMatch(/… \([\d,]+ more characters\)$/);
    expect(tool.output!.length).toBeLessThan(STEP_PAYLOAD_MAX_CHARS + 40);
    // Nowhere in what staff are sent — step inputs and outputs, one-line details, the tool's record, the messages — is either secret.
    const shown = JSON.stringify(timeline);
    expect(shown).not.toContain(GITHUB_TOKEN);
    expect(shown).not.toContain(STRIPE_KEY);
    // The model call that asked for the tool kept the request, redacted alike.
    const asked = timeline.steps.find((s) => s.kind === "llm")!;
    expect(asked.output).toContain(slug);
    expect(asked.input).toContain("ghp_[redacted]");
    // The run page's live message view too: the user's message and the tool call's input and output.
    const live = await user.client.query(api.inspector.runs.runMessages, { accountId: user.accountId, interactionId, paginationOpts: { numItems: 20, cursor: null } });
    const liveShown = JSON.stringify(live.page);
    expect(liveShown).toContain("ghp_[redacted]");
    expect(liveShown).toContain(slug);
    expect(liveShown).not.toContain(GITHUB_TOKEN);
    expect(liveShown).not.toContain(STRIPE_KEY);
  },
);

/** The documented tool-call stream asking server-everything's `echo` for `message` (the fixture's words replaced). */
function echoCallStream(message: string): string {
  const events = fixtureEvents("openai-chat-tool-call-mcp-echo.sse").map((event) =>
    event
      .replace('"arguments": "hello"', `"arguments": ${JSON.stringify(message)}`)
      .replace('"arguments": " from the"', '"arguments": ""')
      .replace('"arguments": " wire"', '"arguments": ""'),
  );
  return `${events.join("\n\n")}\n\n`;
}

test(
  "a tool call with 50 KB of arguments: its input and output are kept cut with a marker; the provider's key is never in a step",
  { timeout: 90_000 },
  async () => {
    provider = await wireProviders("openai");
    everything = await startEverything();
    vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", "true");
    const t = newHarness();
    const { user, thread } = await userWithThread(t, { orgId: "org_io_mcp", role: "admin" });
    await user.client.action(api.mcp.servers.add, { accountId: user.accountId, url: everything.url, name: "Everything" });
    await user.client.mutation(api.tools.assignments.assign, { accountId: user.accountId, agentId: await assistantOf(t, user.accountId), toolSlug: "mcp_everything_echo" });
    const big = "tide ".repeat(10_000); // 50,000 characters
    provider.script(
      "openai.chat",
      { status: 200, headers: { "content-type": "text/event-stream" }, body: echoCallStream(big) },
      { fixture: "openai-chat-text-usage.sse" },
    );
    const { interactionId } = await send(user, thread.threadId, "Echo this long text back to me");
    expect((await endedTurn(user, thread.threadId, 60_000)).status).toBe("completed");

    const timeline = await timelineOf(user, interactionId);
    const tool = timeline.steps.find((s) => s.kind === "tool")!;
    // 50 KB of arguments: kept cut at the bound, the marker counting what was left out.
    expect(tool).toMatchObject({ name: "mcp_everything_echo", status: "succeeded" });
    expect(tool.input!.startsWith('{"message":"tide tide')).toBe(true);
    const marker = /… \(([\d,]+) more characters\)$/.exec(tool.input!);
    expect(Number(marker![1]!.replace(/,/g, ""))).toBeGreaterThan(46_000);
    expect(tool.input!.length).toBeLessThan(STEP_PAYLOAD_MAX_CHARS + 40);
    // Its answer (the MCP runtime keeps 16,000 characters of a result) likewise.
    expect(tool.output!.startsWith('"Echo: tide tide')).toBe(true);
    expect(tool.output).toMatch(/… \([\d,]+ more characters\)$/);
    expect(tool.output!.length).toBeLessThan(STEP_PAYLOAD_MAX_CHARS + 40);
    // The model call's request carries the same arguments, bounded; the key the harness called the provider with appears nowhere.
    const call = timeline.steps.find((s) => s.kind === "llm")!;
    expect(call.output!.length).toBeLessThan(STEP_PAYLOAD_MAX_CHARS + 40);
    // Not even redacted: a connection's key is never handed to a step in the first place.
    expect(JSON.stringify(timeline)).not.toContain(OPENAI_KEY);
    expect(JSON.stringify(timeline)).not.toContain("sk-[redacted]");
    await quiesce(t);
  },
);

test("an external agent: what its endpoint was sent in, its reply out, a secret in the reply redacted", { timeout: 60_000 }, async () => {
  toolTestEnv();
  server = await startToolServer((req) => ({ status: 200, body: { reply: `Use ${STRIPE_KEY} for "${(req.body as { prompt: string }).prompt}".` } }));
  const t = newHarness();
  const { user } = await userWithThread(t, { orgId: "org_io_external", role: "admin" });
  server.trust(await createSigningSecret(user));
  const manifest = {
    version: 1,
    kind: "agent",
    name: "Oracle",
    slug: "oracle",
    description: "Answers from elsewhere.",
    execution: { type: "external", model: null, endpoint_url: server.url("/agent"), timeout_seconds: 5 },
    tools: [],
  };
  const agent = await user.client.mutation(api.agents.manifests.importManifest, { accountId: user.accountId, manifest });
  const thread = await user.client.mutation(api.chat.threads.create, { accountId: user.accountId, agentId: agent.agentId });
  const { interactionId } = await send(user, thread.threadId, "which key pays the invoices?");
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
  await quiesce(t);

  const step = (await timelineOf(user, interactionId)).steps.find((s) => s.key === "external")!;
  expect(JSON.parse(step.input!)).toMatchObject({ kind: "turn", prompt: "which key pays the invoices?", messages: [] });
  expect(step.output).toBe('Use sk_live_[redacted] for "which key pays the invoices?".');
});

test("the run page's live view redacts a reply while it streams: a key the reply quotes comes to staff as sk-[redacted], to its owner as written", { timeout: 60_000 }, async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_io_stream", role: "admin" });
  const KEY = "sk-proj-a1B2c3D4e5F6g7H8i9J0kLmN";
  const { documentId } = await user.client.mutation(api.knowledge.documents.addText, {
    accountId: user.accountId,
    scope: { kind: "user" },
    title: "Staging notes",
    text: `The staging deploy key is ${KEY} and it rotates monthly.`,
    format: "markdown",
  });
  await vi.waitFor(
    async () => expect((await user.client.query(api.knowledge.documents.get, { accountId: user.accountId, documentId })).status).toBe("ready"),
    { timeout: 20_000, interval: 25 },
  );
  // The offline model quotes the retrieved note, slowly enough to be read mid-stream.
  offlineModel.options = { chunkDelayMs: 40, chunkWords: 2 };
  const { interactionId } = await send(user, thread.threadId, "What is the staging deploy key?");

  const page = { numItems: 10, cursor: null };
  const staffSaw: string[] = [];
  const ownerSaw: string[] = [];
  const deadline = Date.now() + 30_000;
  for (let done = false; !done && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    const listed = await user.client.query(api.inspector.runs.runMessages, { accountId: user.accountId, interactionId, paginationOpts: page, streamArgs: { kind: "list", startOrder: 0 } });
    const streaming = (listed.streams as { kind: "list"; messages: { streamId: string; status: string }[] } | undefined)?.messages.filter((s) => s.status === "streaming") ?? [];
    if (streaming.length > 0) {
      const streamArgs = { kind: "deltas" as const, cursors: streaming.map((s) => ({ streamId: s.streamId, cursor: 0 })) };
      const staff = await user.client.query(api.inspector.runs.runMessages, { accountId: user.accountId, interactionId, paginationOpts: page, streamArgs });
      staffSaw.push(JSON.stringify(staff.streams));
      const owner = await user.client.query(api.chat.messages.list, { accountId: user.accountId, threadId: thread.threadId, paginationOpts: page, streamArgs });
      ownerSaw.push(JSON.stringify(owner.streams));
    }
    const [turn] = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
    done = turn!.status === "completed";
  }
  // The key was in the stream: its owner's chat shows it as it streams.
  expect(ownerSaw.some((seen) => seen.includes(KEY))).toBe(true);
  // Staff watching the run saw it streaming too, and never saw the key.
  expect(staffSaw.some((seen) => seen.includes("sk-[redacted]"))).toBe(true);
  expect(staffSaw.every((seen) => !seen.includes(KEY) && !seen.includes("a1B2c3D4e5F6"))).toBe(true);
});
