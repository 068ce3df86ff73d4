import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api";
import { asMember, asUser, newHarness, refusal } from "../test.setup";
import { messagesOf, send, settle } from "../chat/testkit.testing";
import { boardOf, withProjectAssistant } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("the board from the SPA", () => {
  test("create, move before another card, complete, edit and remove; each change audited", async () => {
    const t = newHarness();
    const { user, agentId } = await withProjectAssistant(t);
    const create = (title: string, status?: string) =>
      user.client.mutation(api.tasks.tasks.create, { accountId: user.accountId, agentId, title, ...(status ? { status } : {}) });
    const brief = await create("  Write the brief ");
    const review = await create("Review the budget");
    const ship = await create("Ship it", "doing");
    expect(brief.title).toBe("Write the brief");
    expect(brief.createdBy).toEqual({ kind: "user", userId: user.userId });
    expect(await boardOf(user, agentId)).toEqual(["doing: Ship it", "todo: Write the brief", "todo: Review the budget"]);

    // Drag "Review the budget" above "Write the brief", then "Ship it" into todo between them.
    await user.client.mutation(api.tasks.tasks.move, { accountId: user.accountId, taskId: review.taskId, status: "todo", beforeTaskId: brief.taskId });
    await user.client.mutation(api.tasks.tasks.move, { accountId: user.accountId, taskId: ship.taskId, status: "todo", beforeTaskId: brief.taskId });
    expect(await boardOf(user, agentId)).toEqual(["todo: Review the budget", "todo: Ship it", "todo: Write the brief"]);

    const done = await user.client.mutation(api.tasks.tasks.complete, { accountId: user.accountId, taskId: brief.taskId });
    expect(done.status).toBe("done");
    expect(done.completedAt).toBeTypeOf("number");
    // Dragged back out of done, it is no longer completed.
    const reopened = await user.client.mutation(api.tasks.tasks.move, { accountId: user.accountId, taskId: brief.taskId, status: "doing" });
    expect(reopened.completedAt).toBeUndefined();

    const due = Date.UTC(2026, 11, 24);
    const edited = await user.client.mutation(api.tasks.tasks.update, { accountId: user.accountId, taskId: ship.taskId, title: "Ship v1", dueAt: due });
    expect(edited).toMatchObject({ title: "Ship v1", dueAt: due, status: "todo" });
    const cleared = await user.client.mutation(api.tasks.tasks.update, { accountId: user.accountId, taskId: ship.taskId, dueAt: null });
    expect(cleared.dueAt).toBeUndefined();
    await user.client.mutation(api.tasks.tasks.remove, { accountId: user.accountId, taskId: review.taskId });
    expect(await boardOf(user, agentId)).toEqual(["doing: Write the brief", "todo: Ship v1"]);

    const actions = await t.run(async (ctx) =>
      (await ctx.db.query("auditLog").withIndex("by_accountId_at", (q) => q.eq("accountId", user.accountId)).collect())
        .filter((row) => row.targetKind === "task")
        .map((row) => `${row.action} by ${row.actorRole}`),
    );
    expect(actions).toEqual([
      "task.create by admin",
      "task.create by admin",
      "task.create by admin",
      "task.move by admin",
      "task.move by admin",
      "task.complete by admin",
      "task.move by admin",
      "task.update by admin",
      "task.update by admin",
      "task.remove by admin",
    ]);
  });

  test("bad input is refused naming the field, and changes nothing", async () => {
    const t = newHarness();
    const { user, agentId } = await withProjectAssistant(t);
    const base = { accountId: user.accountId, agentId };
    expect(await refusal(user.client.mutation(api.tasks.tasks.create, { ...base, title: "   " }))).toMatchObject({ code: "bad_request", field: "title" });
    expect(await refusal(user.client.mutation(api.tasks.tasks.create, { ...base, title: "x".repeat(201) }))).toMatchObject({ code: "bad_request", field: "title" });
    expect(await refusal(user.client.mutation(api.tasks.tasks.create, { ...base, title: "ok", status: "Not A Column!" }))).toMatchObject({ code: "bad_request", field: "status" });
    expect(await refusal(user.client.mutation(api.tasks.tasks.create, { ...base, title: "ok", dueAt: Number.NaN }))).toMatchObject({ code: "bad_request", field: "dueAt" });
    const task = await user.client.mutation(api.tasks.tasks.create, { ...base, title: "Keep me" });
    expect(await refusal(user.client.mutation(api.tasks.tasks.move, { accountId: user.accountId, taskId: task.taskId, status: "" }))).toMatchObject({ code: "bad_request", field: "status" });
    const other = await user.client.mutation(api.tasks.tasks.create, { ...base, title: "Other", status: "doing" });
    // beforeTaskId must be a card of the target column.
    expect(await refusal(user.client.mutation(api.tasks.tasks.move, { accountId: user.accountId, taskId: task.taskId, status: "done", beforeTaskId: other.taskId }))).toMatchObject({
      code: "bad_request",
      field: "beforeTaskId",
    });
    // An unknown argument is refused by the validator before anything runs.
    await expect(user.client.mutation(api.tasks.tasks.create, { ...base, title: "x", colour: "red" } as never)).rejects.toThrow(/colour/);
    expect(await boardOf(user, agentId)).toEqual(["doing: Other", "todo: Keep me"]);
  });

  test("another account's tasks and agents are not found; readonly members read but cannot change", async () => {
    const t = newHarness();
    const { user, agentId } = await withProjectAssistant(t);
    const task = await user.client.mutation(api.tasks.tasks.create, { accountId: user.accountId, agentId, title: "Private" });
    const stranger = await asUser(t);
    // Through the stranger's own account, and through the owner's.
    expect((await refusal(stranger.client.query(api.tasks.tasks.get, { accountId: stranger.accountId, taskId: task.taskId }))).code).toBe("not_found");
    expect((await refusal(stranger.client.query(api.tasks.tasks.board, { accountId: user.accountId, agentId }))).code).toBe("not_found");
    expect((await refusal(stranger.client.query(api.tasks.tasks.board, { accountId: stranger.accountId, agentId }))).code).toBe("not_found");
    expect((await refusal(stranger.client.mutation(api.tasks.tasks.move, { accountId: stranger.accountId, taskId: task.taskId, status: "done" }))).code).toBe("not_found");
    expect((await refusal(stranger.client.mutation(api.tasks.tasks.create, { accountId: stranger.accountId, agentId, title: "Sneak" }))).code).toBe("not_found");
    expect((await refusal(user.client.mutation(api.tasks.tasks.create, { accountId: user.accountId, title: "Assigned", assigneeUserId: stranger.userId }))).code).toBe("not_found");
    expect(await boardOf(stranger)).toEqual([]);

    const admin = await asMember(t, "org_tasks", "admin");
    const { agentId: orgAgent } = await withProjectAssistant(t, admin);
    const orgTask = await admin.client.mutation(api.tasks.tasks.create, { accountId: admin.accountId, agentId: orgAgent, title: "Team task" });
    const reader = await asMember(t, "org_tasks", "readonly");
    expect(await boardOf(reader, orgAgent)).toEqual(["todo: Team task"]);
    expect((await refusal(reader.client.mutation(api.tasks.tasks.move, { accountId: reader.accountId, taskId: orgTask.taskId, status: "done" }))).code).toBe("forbidden");
    expect((await refusal(reader.client.mutation(api.tasks.tasks.create, { accountId: reader.accountId, title: "Nope" }))).code).toBe("forbidden");
    expect(await boardOf(reader, orgAgent)).toEqual(["todo: Team task"]);
  });
});

describe("the task tools", () => {
  test("the agent creates, moves and completes tasks when asked; the board shows each change, audited as the agent's", async () => {
    const t = newHarness();
    const { user, agentId, thread } = await withProjectAssistant(t);
    await send(user, thread.threadId, "Add a task: “Write the launch brief”");
    await settle(t);
    expect(await boardOf(user, agentId)).toEqual(["todo: Write the launch brief"]);
    const [card] = await user.client.query(api.tasks.tasks.board, { accountId: user.accountId, agentId });
    expect(card!.createdBy.kind).toBe("agent");
    expect((await messagesOf(user, thread.threadId)).at(-1)!.text).toContain("added “Write the launch brief” to the board");

    await send(user, thread.threadId, "Move “launch brief” to doing");
    await settle(t);
    expect(await boardOf(user, agentId)).toEqual(["doing: Write the launch brief"]);

    await send(user, thread.threadId, "Mark “Write the launch brief” as done");
    await settle(t);
    expect(await boardOf(user, agentId)).toEqual(["done: Write the launch brief"]);
    expect((await messagesOf(user, thread.threadId)).at(-1)!.text).toContain("marked “Write the launch brief” as done");

    const audit = await t.run(async (ctx) =>
      (await ctx.db.query("auditLog").withIndex("by_accountId_targetKind_targetId_at", (q) => q.eq("accountId", user.accountId).eq("targetKind", "task").eq("targetId", card!.taskId)).collect()).map(
        (row) => `${row.action} by ${row.actorRole} ${row.details?.agentId === agentId ? "(this agent)" : ""}`.trim(),
      ),
    );
    expect(audit).toEqual(["task.create by agent (this agent)", "task.move by agent (this agent)", "task.complete by agent (this agent)"]);
  });

  test("a task the agent cannot find goes back to the model as a tool error; the board is unchanged", async () => {
    const t = newHarness();
    const { user, agentId, thread } = await withProjectAssistant(t);
    await user.client.mutation(api.tasks.tasks.create, { accountId: user.accountId, agentId, title: "Real task" });
    await send(user, thread.threadId, "Move “imaginary” to done");
    await settle(t);
    expect(await boardOf(user, agentId)).toEqual(["todo: Real task"]);
    const reply = (await messagesOf(user, thread.threadId)).at(-1)!;
    expect(reply.text).toContain("No task called “imaginary”".replace(/[“”]/g, '"'));
  });

  test("an agent's tools only see its own board, never the account's other boards", async () => {
    const t = newHarness();
    const { user, agentId, thread } = await withProjectAssistant(t);
    await user.client.mutation(api.tasks.tasks.create, { accountId: user.accountId, title: "Account-wide task" });
    await send(user, thread.threadId, "Complete “Account-wide task”");
    await settle(t);
    expect(await boardOf(user)).toEqual(["todo: Account-wide task"]);
    expect(await boardOf(user, agentId)).toEqual([]);
  });

  test("assigned with the defaults, task_create waits for the user's approval before writing", async () => {
    const t = newHarness();
    const user = await asUser(t);
    const agents = await user.client.query(api.agents.agents.list, { accountId: user.accountId });
    const assistant = agents.find((a) => a.slug === "assistant")!;
    const assignment = await user.client.mutation(api.tools.assignments.assign, { accountId: user.accountId, agentId: assistant.agentId, toolSlug: "task_create" });
    expect(assignment.needsApproval).toBe(true);
    const thread = await user.client.mutation(api.chat.threads.create, { accountId: user.accountId, agentId: assistant.agentId });
    await send(user, thread.threadId, "Add a task: book the venue");
    await settle(t);
    expect(await boardOf(user, assistant.agentId)).toEqual([]);
    const [pending] = await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId });
    expect(pending!.toolSlug).toBe("task_create");
    await user.client.mutation(api.chat.approvals.decide, { accountId: user.accountId, approvalId: pending!.approvalId, approve: true });
    await settle(t);
    expect(await boardOf(user, assistant.agentId)).toEqual(["todo: book the venue"]);
  });

  test("a retried task_create call stores one task", async () => {
    const t = newHarness();
    const { user, agentId, thread } = await withProjectAssistant(t);
    await send(user, thread.threadId, "Add a task: once only");
    await settle(t);
    const interactionId = await t.run(async (ctx) => (await ctx.db.query("interactions").collect()).find((row) => row.agentId === agentId)!._id);
    const key = await t.run(async (ctx) => (await ctx.db.query("tasks").collect())[0]!.idempotencyKey!);
    // The same call delivered again (a retry after a lost reply).
    await t.mutation(internal.tasks.agentTasks.create, { interactionId, idempotencyKey: key, title: "once only" });
    expect(await boardOf(user, agentId)).toEqual(["todo: once only"]);
  });
});
