/**
 * Maintenance mode: messages sent while it is on are saved and wait, queued,
 * without a model call; when it ends they start in bounded batches, each
 * exactly once, however often it is switched off. Not the platform pause,
 * which refuses new turns.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { messagesOf, send, settle, userWithThread, type Caller } from "../chat/testkit.testing";
import { asAdmin, asUser, codeOf, newHarness, type Harness } from "../test.setup";
import { RELEASE_BATCH } from "./maintenance";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

async function run(t: Harness, interactionId: Id<"interactions">) {
  return (await t.run(async (ctx) => ctx.db.get("interactions", interactionId)))!;
}

async function heldRows(t: Harness) {
  return await t.run(async (ctx) => (await ctx.db.query("heldTurns").collect()).length);
}

async function stepCount(t: Harness, interactionId: Id<"interactions">) {
  return await t.run(async (ctx) =>
    (await ctx.db.query("steps").withIndex("by_interactionId_index", (q) => q.eq("interactionId", interactionId)).collect()).length,
  );
}

async function turnStatus(user: Caller, threadId: Id<"threads">) {
  const turns = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId });
  return turns.map((turn) => turn.status);
}

test("only platform admins switch maintenance; a refusal writes nothing", async () => {
  const t = newHarness();
  const user = await asUser(t);
  expect(await codeOf(user.client.mutation(api.ops.maintenance.setMaintenance, { enabled: true }))).toBe("forbidden");
  expect(await t.run(async (ctx) => (await ctx.db.query("maintenanceMode").collect()).length)).toBe(0);
  expect(await t.run(async (ctx) => (await ctx.db.query("platformAuditLog").collect()).length)).toBe(0);
});

test("a message during maintenance is saved and waits queued with no model call; ending maintenance answers it once", async () => {
  const t = newHarness();
  const admin = await asAdmin(t);
  const { user, thread } = await userWithThread(t);
  expect(await admin.client.mutation(api.ops.maintenance.setMaintenance, { enabled: true, reason: "database upgrade" })).toEqual({
    enabled: true,
    changed: true,
    heldTurns: 0,
  });

  const { interactionId } = await send(user, thread.threadId, "Tell me about tides");
  await settle(t);
  expect(await run(t, interactionId)).toMatchObject({ status: "queued", heldForMaintenance: true, llmCalls: 0 });
  expect((await run(t, interactionId)).workflowId).toBeUndefined();
  expect(await stepCount(t, interactionId)).toBe(0);
  expect((await messagesOf(user, thread.threadId)).map((m) => m.role)).toEqual(["user"]);
  expect(await turnStatus(user, thread.threadId)).toEqual(["queued"]);
  const overview = await admin.client.query(api.ops.status.overview, {});
  expect(overview.maintenance).toMatchObject({ enabled: true, reason: "database upgrade", heldTurns: 1 });

  expect(await admin.client.mutation(api.ops.maintenance.setMaintenance, { enabled: false })).toMatchObject({ enabled: false, changed: true, heldTurns: 1 });
  await settle(t);
  const done = await run(t, interactionId);
  expect(done).toMatchObject({ status: "completed", llmCalls: 1 });
  expect(done.heldForMaintenance).toBeUndefined();
  const messages = await messagesOf(user, thread.threadId);
  expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
  expect(await heldRows(t)).toBe(0);
  expect((await admin.client.query(api.ops.status.overview, {})).maintenance.heldTurns).toBe(0);

  // Both switches are in the platform audit log, newest first, with who and why.
  const audit = await admin.client.query(api.ops.audit.list, { paginationOpts: { numItems: 10, cursor: null } });
  expect(audit.page.map((e) => [e.action, e.actorRole, e.reason])).toEqual([
    ["maintenance.off", "platform_admin", ""],
    ["maintenance.on", "platform_admin", "database upgrade"],
  ]);
});

test("switching maintenance off twice (and again later) starts each held turn once", async () => {
  const t = newHarness();
  const admin = await asAdmin(t);
  const { user, thread } = await userWithThread(t);
  await admin.client.mutation(api.ops.maintenance.setMaintenance, { enabled: true });
  const { interactionId } = await send(user, thread.threadId, "Tell me about tides");
  expect(await admin.client.mutation(api.ops.maintenance.setMaintenance, { enabled: false })).toMatchObject({ changed: true });
  expect(await admin.client.mutation(api.ops.maintenance.setMaintenance, { enabled: false })).toMatchObject({ changed: false });
  await settle(t);
  await admin.client.mutation(api.ops.maintenance.setMaintenance, { enabled: false });
  await settle(t);
  const done = await run(t, interactionId);
  expect(done).toMatchObject({ status: "completed", llmCalls: 1, generation: 0 });
  expect((await messagesOf(user, thread.threadId)).map((m) => m.role)).toEqual(["user", "assistant"]);
  expect(await stepCount(t, interactionId)).toBe(2); // triage + one model call: nothing ran twice
});

// 60 whole turns in one test: ~27 s alone on 2 cores, so it gets more than the default 30 s.
test("60 held messages start in bounded batches, every one answered once", async () => {
  const t = newHarness();
  const admin = await asAdmin(t);
  await admin.client.mutation(api.ops.maintenance.setMaintenance, { enabled: true });
  const sent: { user: Caller; threadId: Id<"threads">; interactionId: Id<"interactions"> }[] = [];
  // Six people, ten conversations each (the per-user send rate allows a burst of ten).
  for (let person = 0; person < 6; person++) {
    const { user, agentId } = await userWithThread(t);
    for (let i = 0; i < 10; i++) {
      const thread = await user.client.mutation(api.chat.threads.create, { accountId: user.accountId, agentId });
      const { interactionId } = await send(user, thread.threadId, `Question ${person}.${i} about tides`);
      sent.push({ user, threadId: thread.threadId, interactionId });
    }
  }
  await settle(t);
  expect(await heldRows(t)).toBe(60);
  expect((await admin.client.query(api.ops.status.overview, {})).maintenance.heldTurns).toBe(60);

  // Maintenance ends without the admin mutation's release, to watch one batch on its own.
  await t.run(async (ctx) => {
    const row = (await ctx.db.query("maintenanceMode").first())!;
    await ctx.db.patch("maintenanceMode", row._id, { enabled: false });
  });
  expect(await t.mutation(internal.ops.maintenance.releaseBatch, {})).toEqual({ started: RELEASE_BATCH, more: true });
  expect(await heldRows(t)).toBe(60 - RELEASE_BATCH);

  await settle(t); // the first batch's turns, and the batches it scheduled
  expect(await heldRows(t)).toBe(0);
  for (const { user, threadId, interactionId } of sent) {
    expect(await run(t, interactionId)).toMatchObject({ status: "completed", llmCalls: 1 });
    expect((await messagesOf(user, threadId)).map((m) => m.role)).toEqual(["user", "assistant"]);
  }
  expect((await admin.client.query(api.ops.status.overview, {})).maintenance.heldTurns).toBe(0);
}, 120_000);

test("switching maintenance back on stops the release; the rest wait for the next end", async () => {
  const t = newHarness();
  const admin = await asAdmin(t);
  await admin.client.mutation(api.ops.maintenance.setMaintenance, { enabled: true });
  const ids: Id<"interactions">[] = [];
  for (let person = 0; person < 3; person++) {
    const { user, agentId } = await userWithThread(t);
    for (let i = 0; i < 10; i++) {
      const thread = await user.client.mutation(api.chat.threads.create, { accountId: user.accountId, agentId });
      ids.push((await send(user, thread.threadId, `Question ${person}.${i}`)).interactionId);
    }
  }
  await t.run(async (ctx) => {
    const row = (await ctx.db.query("maintenanceMode").first())!;
    await ctx.db.patch("maintenanceMode", row._id, { enabled: false });
  });
  await t.mutation(internal.ops.maintenance.releaseBatch, {});
  await admin.client.mutation(api.ops.maintenance.setMaintenance, { enabled: true });
  await settle(t);
  expect(await heldRows(t)).toBe(30 - RELEASE_BATCH);
  const statuses = await Promise.all(ids.map(async (id) => (await run(t, id)).status));
  expect(statuses.filter((s) => s === "completed")).toHaveLength(RELEASE_BATCH);
  expect(statuses.filter((s) => s === "queued")).toHaveLength(30 - RELEASE_BATCH);

  await admin.client.mutation(api.ops.maintenance.setMaintenance, { enabled: false });
  await settle(t);
  const after = await Promise.all(ids.map(async (id) => (await run(t, id)).status));
  expect(after.every((s) => s === "completed")).toBe(true);
});

test("a held turn cancelled while it waits is not started when maintenance ends", async () => {
  const t = newHarness();
  const admin = await asAdmin(t);
  const { user, thread } = await userWithThread(t);
  await admin.client.mutation(api.ops.maintenance.setMaintenance, { enabled: true });
  const { interactionId } = await send(user, thread.threadId, "Tell me about tides");
  expect(await user.client.mutation(api.chat.runs.cancel, { accountId: user.accountId, interactionId })).toEqual({ cancelled: true });
  await admin.client.mutation(api.ops.maintenance.setMaintenance, { enabled: false });
  await settle(t);
  const cancelled = await run(t, interactionId);
  expect(cancelled.status).toBe("cancelled");
  expect(cancelled.workflowId).toBeUndefined();
  expect(await stepCount(t, interactionId)).toBe(0);
  expect(await heldRows(t)).toBe(0);
});

test("the platform pause refuses new turns; turns held by maintenance wait through a pause and start when it ends", async () => {
  const t = newHarness();
  const admin = await asAdmin(t);
  const { user, thread } = await userWithThread(t);
  await admin.client.mutation(api.ops.maintenance.setMaintenance, { enabled: true });
  const { interactionId } = await send(user, thread.threadId, "Tell me about tides");
  await admin.client.mutation(api.ops.pause.setPlatformPaused, { paused: true, reason: "incident 7" });
  expect(await codeOf(send(user, thread.threadId, "Another question"))).toBe("policy_denied");

  await admin.client.mutation(api.ops.maintenance.setMaintenance, { enabled: false });
  await settle(t);
  expect((await run(t, interactionId)).status).toBe("queued"); // still paused

  await admin.client.mutation(api.ops.pause.setPlatformPaused, { paused: false });
  await settle(t);
  expect((await run(t, interactionId)).status).toBe("completed");
  const audit = await admin.client.query(api.ops.audit.list, { paginationOpts: { numItems: 10, cursor: null } });
  expect(audit.page.map((e) => e.action)).toEqual(["platform.resume", "maintenance.off", "platform.pause", "maintenance.on"]);
  expect(audit.page.find((e) => e.action === "platform.pause")?.reason).toBe("incident 7");
});
