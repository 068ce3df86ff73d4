/**
 * Whole turns whose agent calls the tools of a real MCP server: the model is
 * the real `@ai-sdk/openai-compatible` provider talking to the wire provider
 * server (convex/models/wire), scripted with tool calls derived from the
 * documented function-calling stream and renamed to the MCP tools' slugs;
 * the tools are `@modelcontextprotocol/server-everything`'s, served over
 * Streamable HTTP by a child process. Real timers throughout (real sockets).
 */
import { afterEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { ProviderServer } from "../models/wire/providerServer.testing";
import { chatBodies, endedTurn, repliesOf, stepsOf, wireProviders } from "../chat/wire.testing";
import { assistantOf, send, userWithThread } from "../chat/testkit.testing";
import { newHarness } from "../test.setup";
import { startEverything, type EverythingServer } from "./everything.testing";

const TURN_TEST = { timeout: 90_000 };

let provider: ProviderServer | undefined;
let everything: EverythingServer | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await provider?.close();
  await everything?.stop();
  provider = undefined;
  everything = undefined;
});

/**
 * A user (admin of their personal account) with a thread to the Assistant,
 * server-everything registered as "Everything", and the Assistant assigned
 * `echo` (no approval) and `get-sum` (asks for approval).
 */
async function turnWithMcp() {
  provider = await wireProviders("openai");
  everything = await startEverything();
  vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", "true");
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  const { accountId } = user;
  const added = await user.client.action(api.mcp.servers.add, { accountId, url: everything.url, name: "Everything" });
  const agentId = await assistantOf(t, accountId);
  await user.client.mutation(api.tools.assignments.assign, { accountId, agentId, toolSlug: "mcp_everything_echo" });
  await user.client.mutation(api.tools.assignments.assign, { accountId, agentId, toolSlug: "mcp_everything_get-sum", needsApproval: true });
  await user.client.mutation(api.tools.assignments.assign, { accountId, agentId, toolSlug: "mcp_everything_get-resource-reference" });
  return { t, user, thread, agentId, serverId: added.server.serverId, provider, everything };
}

function toolNamesOffered(body: Record<string, unknown> | undefined): string[] {
  const tools = (body?.tools ?? []) as { function?: { name?: string } }[];
  return tools.map((tool) => tool.function?.name ?? "").filter((name) => name.startsWith("mcp_")).sort();
}

test("an agent calls server-everything's tools in a turn: echo runs at once, get-sum waits for approval, the model reads both results", TURN_TEST, async () => {
  const { t, user, thread, provider } = await turnWithMcp();
  provider.script(
    "openai.chat",
    { fixture: "openai-chat-tool-call-mcp-echo.sse" },
    { fixture: "openai-chat-tool-call-mcp-get-sum.sse" },
    { fixture: "openai-chat-text-usage.sse" },
  );
  const { interactionId } = await send(user, thread.threadId, "Echo a greeting, then add 2 and 3.");

  // get-sum asks for approval: the run waits for the thread's user.
  const pending = await vi.waitFor(
    async () => {
      const list = await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId });
      if (list.length === 0) throw new Error("no approval yet");
      return list;
    },
    { timeout: 30_000, interval: 50 },
  );
  expect(pending).toMatchObject([{ toolSlug: "mcp_everything_get-sum" }]);
  expect(JSON.parse(pending[0]!.args as string)).toEqual({ a: 2, b: 3 });
  expect(provider.count("openai.chat")).toBe(2); // nothing more until the user decides
  await user.client.mutation(api.chat.approvals.decide, { accountId: user.accountId, approvalId: pending[0]!.approvalId as Id<"approvals">, approve: true });

  expect((await endedTurn(user, thread.threadId, 45_000)).status).toBe("completed");
  const steps = await stepsOf(t, interactionId);
  expect(steps.filter((s) => s.kind === "tool").map((s) => [s.name, s.status])).toEqual([
    ["mcp_everything_echo", "succeeded"],
    ["mcp_everything_get-sum", "succeeded"],
  ]);
  expect(steps.find((s) => s.kind === "wait")).toMatchObject({ name: "Approval: mcp_everything_get-sum", status: "succeeded", detail: "approved" });

  // What the model was offered and what it read back, on the wire.
  const bodies = chatBodies(provider);
  expect(bodies).toHaveLength(3);
  expect(toolNamesOffered(bodies[0])).toEqual(["mcp_everything_echo", "mcp_everything_get-resource-reference", "mcp_everything_get-sum"]);
  const echoTool = (bodies[0]!.tools as { function: { name: string; parameters: unknown } }[]).find((tool) => tool.function.name === "mcp_everything_echo");
  expect(echoTool!.function.parameters).toMatchObject({ type: "object", properties: { message: { type: "string" } }, required: ["message"] });
  expect(JSON.stringify(bodies[1])).toContain("Echo: hello from the wire");
  expect(JSON.stringify(bodies[2])).toContain("The sum of 2 and 3 is 5.");
  expect((await repliesOf(user, thread.threadId)).replies).toEqual(["2"]);
  const calls = await t.run(async (ctx) => ctx.db.query("toolCalls").collect());
  expect(calls.map((c) => [c.toolSlug, c.status, c.result])).toEqual([
    ["mcp_everything_echo", "committed", JSON.stringify("Echo: hello from the wire")],
    ["mcp_everything_get-sum", "committed", JSON.stringify("The sum of 2 and 3 is 5.")],
  ]);
});

test("an isError result reaches the model as a tool error; the turn goes on", TURN_TEST, async () => {
  const { t, user, thread, provider } = await turnWithMcp();
  provider.script("openai.chat", { fixture: "openai-chat-tool-call-mcp-resource-reference.sse" }, { fixture: "openai-chat-text-usage.sse" });
  const { interactionId } = await send(user, thread.threadId, "Fetch resource 0.");
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
  const tool = (await stepsOf(t, interactionId)).find((s) => s.kind === "tool");
  const said = "Invalid resourceId: 0. Must be a finite positive integer.";
  expect(tool).toMatchObject({ name: "mcp_everything_get-resource-reference", status: "failed", attempt: 1, error: { code: "bad_request", message: said } });
  expect(JSON.stringify(chatBodies(provider)[1])).toContain(said);
  expect((await repliesOf(user, thread.threadId)).replies).toEqual(["2"]);
});

test("a server that is down: the call fails in words after its retries; the turn goes on", TURN_TEST, async () => {
  const { t, user, thread, provider, everything } = await turnWithMcp();
  await everything.stop();
  provider.script("openai.chat", { fixture: "openai-chat-tool-call-mcp-echo.sse" }, { fixture: "openai-chat-text-usage.sse" });
  const { interactionId } = await send(user, thread.threadId, "Echo a greeting.");
  expect((await endedTurn(user, thread.threadId, 45_000)).status).toBe("completed");
  const reason = `Cannot reach 127.0.0.1:${everything.port}: connection refused.`;
  const tool = (await stepsOf(t, interactionId)).find((s) => s.kind === "tool");
  expect(tool).toMatchObject({ name: "mcp_everything_echo", status: "failed", attempt: 3, error: { message: reason } });
  expect(JSON.stringify(chatBodies(provider)[1])).toContain(`mcp_everything_echo failed: ${reason}`);
  expect((await repliesOf(user, thread.threadId)).replies).toEqual(["2"]);
});

test("a call that outlives the server's timeout on a tool that is not idempotent is not repeated: its unknown outcome is the tool error", TURN_TEST, async () => {
  const { t, user, thread, agentId, serverId, provider } = await turnWithMcp();
  const { accountId } = user;
  await user.client.mutation(api.mcp.servers.update, { accountId, serverId, timeoutSeconds: 1 });
  await user.client.mutation(api.tools.assignments.assign, { accountId, agentId, toolSlug: "mcp_everything_trigger-long-running-operation" });
  // The reference server marks this tool read-only (so safe to repeat); say it is not, as a tool with an effect would.
  await t.run(async (ctx) => {
    const row = (await ctx.db.query("tools").collect()).find((r) => r.slug === "mcp_everything_trigger-long-running-operation")!;
    await ctx.db.patch("tools", row._id, { mcp: { ...row.mcp!, idempotent: false } });
  });
  provider.script("openai.chat", { fixture: "openai-chat-tool-call-mcp-long-running.sse" }, { fixture: "openai-chat-text-usage.sse" });
  const { interactionId } = await send(user, thread.threadId, "Run the long operation.");
  expect((await endedTurn(user, thread.threadId, 45_000)).status).toBe("completed");
  const tool = (await stepsOf(t, interactionId)).find((s) => s.kind === "tool");
  expect(tool).toMatchObject({ name: "mcp_everything_trigger-long-running-operation", status: "failed", attempt: 1 });
  expect(tool!.error!.message).toBe(`Cannot reach 127.0.0.1:${everything!.port}: no answer within 1 s. The outcome of this call is unknown, so it was not repeated.`);
  expect(JSON.stringify(chatBodies(provider)[1])).toContain("it was not repeated");
});
