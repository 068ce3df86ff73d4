/** Starting a conversation with its first message, and finding conversations by what was said in them. */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { asMember, newHarness, refusal, type Harness } from "../test.setup";
import { assistantOf, messagesOf, send, settle, type Caller } from "./testkit.testing";
import { snippetAround } from "./threads";
import { titleFromMessage } from "./title";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const countRows = (t: Harness) =>
  t.run(async (ctx) => ({
    // Each organisation's General conversation (convex/conversations) is there from the start.
    threads: (await ctx.db.query("threads").collect()).filter((thread) => thread.general !== true).length,
    interactions: (await ctx.db.query("interactions").collect()).length,
  }));

function start(user: Caller, agentId: Awaited<ReturnType<typeof assistantOf>>, text: string) {
  return user.client.mutation(api.chat.threads.start, { accountId: user.accountId, agentId, text });
}

test("titles come from the first line of the first message, cut at a word", () => {
  expect(titleFromMessage("  How do I prune tomatoes?\nMore detail here")).toBe("How do I prune tomatoes?");
  expect(titleFromMessage("## **Plan** a `garden`")).toBe("Plan a garden");
  const long = titleFromMessage("Please explain in great detail how the different kinds of compost affect the growth of tomato plants");
  expect(long.length).toBeLessThanOrEqual(60);
  expect(long).toMatch(/^Please explain in great detail how the different kinds of…$/);
  expect(titleFromMessage("\n \n")).toBe("New chat");
});

test("the first message creates the thread, titled from it, with the chosen agent, and the reply comes", async () => {
  const t = newHarness();
  const user = await asMember(t, "org_acme", "member");
  const assistant = await assistantOf(t, user.accountId);
  const started = await start(user, assistant, "How should I plan a small vegetable garden?");
  expect(started.thread).toMatchObject({ title: "How should I plan a small vegetable garden?", agentId: assistant, status: "active" });
  await settle(t);

  const messages = await messagesOf(user, started.thread.threadId);
  expect(messages.map((m) => [m.role, m.status])).toEqual([
    ["user", "success"],
    ["assistant", "success"],
  ]);
  expect(messages[0]!.text).toBe("How should I plan a small vegetable garden?");
  const turns = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: started.thread.threadId });
  expect(turns.map((turn) => [turn.interactionId, turn.status])).toEqual([[started.interactionId, "completed"]]);
  // It is listed, and renamable like any other.
  const list = await user.client.query(api.chat.threads.list, { accountId: user.accountId, paginationOpts: { numItems: 10, cursor: null } });
  expect(list.page.map((thread) => thread.title)).toEqual(["How should I plan a small vegetable garden?"]);
  await user.client.mutation(api.chat.threads.rename, { accountId: user.accountId, threadId: started.thread.threadId, title: "Garden" });
  expect((await user.client.query(api.chat.threads.get, { accountId: user.accountId, threadId: started.thread.threadId })).title).toBe("Garden");
});

test("a refused first message leaves no empty thread behind", async () => {
  const t = newHarness();
  const user = await asMember(t, "org_acme", "member");
  const reader = await asMember(t, "org_acme", "readonly");
  const outsider = await asMember(t, "org_other", "admin");
  const assistant = await assistantOf(t, user.accountId);

  expect((await refusal(start(user, assistant, "   "))).code).toBe("bad_request");
  expect((await refusal(start(user, assistant, "x".repeat(8_001)))).code).toBe("bad_request");
  expect((await refusal(start(reader, assistant, "hello"))).code).toBe("forbidden");
  // Another account's agent, asked for from that account or from the caller's own.
  expect((await refusal(start(outsider, assistant, "hello"))).code).toBe("not_found");
  expect((await refusal(outsider.client.mutation(api.chat.threads.start, { accountId: user.accountId, agentId: assistant, text: "hello" }))).code).toBe(
    "not_found",
  );
  await t.run(async (ctx) => ctx.db.patch("agents", assistant, { status: "paused" }));
  expect((await refusal(start(user, assistant, "hello"))).code).toBe("policy_denied");
  expect(await countRows(t)).toEqual({ threads: 0, interactions: 0 });
});

test("search finds a conversation by a message's words, not only its title, and only the caller's own", async () => {
  const t = newHarness();
  const user = await asMember(t, "org_acme", "member");
  const colleague = await asMember(t, "org_acme", "member");
  const assistant = await assistantOf(t, user.accountId);
  const garden = await start(user, assistant, "Planning the garden");
  await settle(t);
  await send(user, garden.thread.threadId, "Which trellis suits climbing courgettes best?");
  const titled = await user.client.mutation(api.chat.threads.create, { accountId: user.accountId, agentId: assistant, title: "Courgettes recipes" });
  await start(colleague, assistant, "My own courgettes question");
  await settle(t);

  const search = (caller: Caller, query: string, archived?: boolean) =>
    caller.client.query(api.chat.threads.search, { accountId: user.accountId, query, ...(archived !== undefined ? { archived } : {}) });
  const hits = await search(user, "courgettes");
  // Title hits first, then conversations where a message says it, each once.
  expect(hits.map((hit) => [hit.thread.threadId, hit.match.in])).toEqual([
    [titled.threadId, "title"],
    [garden.thread.threadId, "message"],
  ]);
  const messageHit = hits[1]!.match;
  expect(messageHit.in === "message" && messageHit.snippet).toContain("climbing courgettes");
  // The title search alone does not know about it.
  const titleOnly = await user.client.query(api.chat.threads.searchTitles, { accountId: user.accountId, query: "trellis" });
  expect(titleOnly).toEqual([]);
  expect((await search(user, "trellis")).map((hit) => hit.thread.threadId)).toEqual([garden.thread.threadId]);

  // The colleague's conversation is theirs alone; archived threads are found only among the archived.
  expect((await search(colleague, "trellis")).length).toBe(0);
  await user.client.mutation(api.chat.threads.setArchived, { accountId: user.accountId, threadId: garden.thread.threadId, archived: true });
  expect((await search(user, "trellis")).length).toBe(0);
  expect((await search(user, "trellis", true)).map((hit) => hit.thread.threadId)).toEqual([garden.thread.threadId]);
  expect((await refusal(search(user, "x".repeat(201)))).code).toBe("bad_request");
  expect(await search(user, "   ")).toEqual([]);
});

test("snippets show the words around the match on one line", () => {
  expect(snippetAround("short\ntext here", "text")).toBe("short text here");
  const long = `${"a ".repeat(100)}needle ${"b ".repeat(100)}`;
  const snippet = snippetAround(long, "needle");
  expect(snippet).toContain("needle");
  expect(snippet.startsWith("…") && snippet.endsWith("…")).toBe(true);
});
