import { expect, test } from "vitest";
import { api } from "../_generated/api";
import { asUser, newHarness, refusal } from "../test.setup";
import { withProjectAssistant } from "../tasks/testkit.testing";

const BOARD = {
  key: "1-kanban",
  type: "kanban",
  name: "Board",
  dataSource: "task",
  groupBy: "status",
  columns: [
    { key: "todo", title: "To do" },
    { key: "doing", title: "Doing" },
    { key: "done", title: "Done" },
  ],
};

test("the Project assistant template declares a conversation and a board; an agent without views shows its conversation", async () => {
  const t = newHarness();
  const { user, agentId } = await withProjectAssistant(t);
  expect(await user.client.query(api.agents.agents.getViews, { accountId: user.accountId, agentId })).toEqual([
    { key: "0-conversation", type: "conversation", name: "Chat" },
    BOARD,
  ]);
  const agents = await user.client.query(api.agents.agents.list, { accountId: user.accountId });
  const assistant = agents.find((a) => a.slug === "assistant")!;
  expect(await user.client.query(api.agents.agents.getViews, { accountId: user.accountId, agentId: assistant.agentId })).toEqual([
    { key: "0-conversation", type: "conversation", name: "Conversation" },
  ]);
  // Another account's agent is not found, like one that does not exist.
  const stranger = await asUser(t);
  expect((await refusal(stranger.client.query(api.agents.agents.getViews, { accountId: stranger.accountId, agentId }))).code).toBe("not_found");
  expect((await refusal(stranger.client.query(api.agents.agents.getViews, { accountId: user.accountId, agentId }))).code).toBe("not_found");
});

test("export and import keep views, including a type this app does not know, which shows as not supported", async () => {
  const t = newHarness();
  const { user, agentId } = await withProjectAssistant(t);
  const exported = await user.client.query(api.agents.manifests.exportManifest, { accountId: user.accountId, agentId });
  expect(exported.views).toEqual([
    { type: "conversation", name: "Chat" },
    { type: "kanban", name: "Board", data_source: "task", config: { group_by: "status", columns: BOARD.columns } },
  ]);
  const withCalendar = { ...exported, slug: "planner", name: "Planner", views: [...exported.views!, { type: "calendar", name: "Due dates", config: { field: "due" } }] };
  const imported = await user.client.mutation(api.agents.manifests.importManifest, { accountId: user.accountId, manifest: JSON.stringify(withCalendar) });
  const again = await user.client.query(api.agents.manifests.exportManifest, { accountId: user.accountId, agentId: imported.agentId });
  expect(again.views).toEqual(withCalendar.views);
  expect(await user.client.query(api.agents.agents.getViews, { accountId: user.accountId, agentId: imported.agentId })).toEqual([
    { key: "0-conversation", type: "conversation", name: "Chat" },
    BOARD,
    { key: "2-calendar", type: "unsupported", name: "Due dates", declaredType: "calendar", reason: 'This app does not support "calendar" views yet.' },
  ]);
});

test("short forms: a kanban with no config gets the default columns; a column may be just its key", async () => {
  const t = newHarness();
  const { user, agentId } = await withProjectAssistant(t);
  const exported = await user.client.query(api.agents.manifests.exportManifest, { accountId: user.accountId, agentId });
  const manifest = { ...exported, slug: "short", name: "Short", views: [{ type: "kanban" }, { type: "kanban", name: "Review", config: { columns: ["review", { key: "shipped" }] } }] };
  const imported = await user.client.mutation(api.agents.manifests.importManifest, { accountId: user.accountId, manifest });
  const views = await user.client.query(api.agents.agents.getViews, { accountId: user.accountId, agentId: imported.agentId });
  expect(views.map((view) => (view.type === "kanban" ? `${view.name}: ${view.columns.map((c) => c.title).join(", ")}` : view.type))).toEqual([
    "Kanban: Todo, Doing, Done",
    "Review: Review, Shipped",
  ]);
});

test("a bad view in an imported manifest is refused at its field, and nothing is written", async () => {
  const t = newHarness();
  const { user, agentId } = await withProjectAssistant(t);
  const exported = await user.client.query(api.agents.manifests.exportManifest, { accountId: user.accountId, agentId });
  const attempt = async (views: unknown) =>
    await refusal(user.client.mutation(api.agents.manifests.importManifest, { accountId: user.accountId, manifest: JSON.stringify({ ...exported, slug: "bad", views }) }));
  const kanban = (config: unknown, extra: object = {}) => [{ type: "conversation" }, { type: "kanban", name: "Board", config, ...extra }];
  expect(await attempt(kanban({ group_by: "status", columns: ["todo", "Not OK"] }))).toEqual({
    code: "bad_request",
    field: "views[1].config.columns[1]",
    message: 'Invalid agent manifest: views[1].config.columns[1] must be a status key like "todo" (lowercase letters, digits, "_" or "-"), or { "key", "title" }.',
  });
  expect(await attempt(kanban({ columns: ["todo", "todo"] }))).toMatchObject({ field: "views[1].config.columns[1]", message: expect.stringContaining('repeats the column "todo"') });
  expect(await attempt(kanban({ group_by: "priority" }))).toMatchObject({ field: "views[1].config.group_by" });
  expect(await attempt(kanban({ columns: [] }))).toMatchObject({ field: "views[1].config.columns" });
  expect(await attempt(kanban({ columns: [{ key: "todo", title: "" }] }))).toMatchObject({ field: "views[1].config.columns[0].title" });
  expect(await attempt(kanban({ colour: "red" }))).toMatchObject({ field: "views[1].config.colour" });
  expect(await attempt(kanban({}, { data_source: "notes" }))).toMatchObject({ field: "views[1].data_source" });
  expect(await attempt([{ name: "No type" }])).toMatchObject({ field: "views[0].type" });
  expect(await attempt([{ type: "calendar", config: { $ref: "x" } }])).toMatchObject({ field: "views[0].config" });
  expect(await attempt("kanban")).toMatchObject({ field: "views" });
  expect(await attempt(Array.from({ length: 9 }, () => ({ type: "conversation" })))).toMatchObject({ field: "views" });
  const slugs = await t.run(async (ctx) => (await ctx.db.query("agents").collect()).map((a) => a.slug));
  expect(slugs).not.toContain("bad");
});
