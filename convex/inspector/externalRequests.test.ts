/**
 * The run timeline shows an external tool step's request (method and URL,
 * the query's values and any credentials redacted) and its response's
 * status and latency, read from `httpToolCalls`. Real HTTP, real timers.
 */
import { afterEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { send, userWithThread } from "../chat/testkit.testing";
import { endedTurn, quiesce } from "../chat/wire.testing";
import { newHarness } from "../test.setup";
import { createSigningSecret, installTool, startToolServer, toolManifest, toolTestEnv, type ToolServer } from "../tools/http/toolServer.testing";
import { redactedUrl } from "../lib/redactedUrl";

let server: ToolServer | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await server?.close();
  server = undefined;
});

test("redactedUrl hides credentials and query values", () => {
  expect(redactedUrl("https://user:pw@tools.example.com/ship?token=abc&x=1#frag")).toBe("https://tools.example.com/ship?token=…&x=…");
  expect(redactedUrl("https://tools.example.com/ship")).toBe("https://tools.example.com/ship");
  expect(redactedUrl("not a url")).toBe("(not a URL)");
});

test("an http tool step on the timeline: method, redacted URL, status, latency and attempts", { timeout: 60_000 }, async () => {
  toolTestEnv();
  const t = newHarness();
  server = await startToolServer((req) => (req.n === 1 ? { status: 503, body: "busy" } : { status: 200, body: { shipped: true } }));
  const { user, thread, agentId } = await userWithThread(t, { orgId: "org_timeline_http", role: "admin" });
  server.trust(await createSigningSecret(user));
  const slug = await installTool(user, agentId, toolManifest(server.url("/ship?api_key=s3cret")));
  const { interactionId } = await send(user, thread.threadId, `${slug} order T-1`);
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
  const timeline = await user.client.query(api.inspector.runs.getRun, { accountId: user.accountId, interactionId });
  const tool = timeline.steps.find((s) => s.kind === "tool")!;
  expect(tool.request).toMatchObject({ via: "http", method: "POST", url: server.url("/ship?api_key=…"), statusCode: 200, attempts: 2 });
  expect(tool.request!.latencyMs).toBeGreaterThanOrEqual(0);
  expect(JSON.stringify(timeline)).not.toContain("s3cret");
  // Other steps carry no request.
  expect(timeline.steps.filter((s) => s.request !== undefined)).toHaveLength(1);
  await quiesce(t);
});
