/**
 * listRuns: every filter, through an index, newest first, in bounded pages.
 */
import { expect, test } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { assistantOf, userWithThread } from "../chat/testkit.testing";
import { asMember, newHarness, type Harness } from "../test.setup";
import { leadFilter } from "./runRows";
import { allPages, insertRuns, type RunSeed } from "./testkit.testing";

async function seeded(t: Harness) {
  const { user: admin, thread } = await userWithThread(t, { orgId: "org_l", role: "admin" });
  const other = await asMember(t, "org_l", "member", "Other Person");
  const assistant = await assistantOf(t, admin.accountId);
  const researcher = (await t.run(async (ctx) =>
    ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", admin.accountId).eq("slug", "researcher")).unique(),
  ))!._id;
  // Run i (1..12) created at i seconds: every 3rd failed, every 4th a delegation, even ones by the other user, every 5th by the researcher.
  const seeds: RunSeed[] = [];
  for (let i = 1; i <= 12; i++) {
    seeds.push({
      createdAt: i * 1_000,
      status: i % 3 === 0 ? "failed" : "completed",
      kind: i % 4 === 0 ? "delegation" : "turn",
      depth: i % 4 === 0 ? 1 : 0,
      userId: i % 2 === 0 ? other.userId : admin.userId,
      agentId: i % 5 === 0 ? researcher : assistant,
      costMicroUsd: i * 10,
    });
  }
  const ids = await insertRuns(t, { accountId: admin.accountId, userId: admin.userId, agentId: assistant, threadId: thread.threadId }, seeds);
  const byIndex = new Map(ids.map((id, k) => [id, k + 1]));
  return { admin, other, researcher, ids, byIndex };
}

type Filters = { agentId?: Id<"agents">; userId?: Id<"userProfiles">; status?: "failed" | "completed"; kind?: "turn" | "delegation"; from?: number; to?: number };

async function listAll(t: Harness, admin: Awaited<ReturnType<typeof seeded>>["admin"], filters: Filters, numItems = 5) {
  const { rows, pages } = await allPages(async (cursor) => {
    const result = await admin.client.query(api.inspector.runs.listRuns, { accountId: admin.accountId, paginationOpts: { numItems, cursor }, ...filters });
    expect(result.page.length).toBeLessThanOrEqual(numItems);
    return result;
  });
  return { rows, pages };
}

const range = (pred: (i: number) => boolean) => [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1].filter(pred);

test("pages come newest first, each at most numItems, until isDone", async () => {
  const t = newHarness();
  const { admin, byIndex } = await seeded(t);
  const first = await admin.client.query(api.inspector.runs.listRuns, { accountId: admin.accountId, paginationOpts: { numItems: 5, cursor: null } });
  expect(first.page.map((r) => byIndex.get(r.interactionId))).toEqual([12, 11, 10, 9, 8]);
  expect(first.isDone).toBe(false);
  const second = await admin.client.query(api.inspector.runs.listRuns, { accountId: admin.accountId, paginationOpts: { numItems: 5, cursor: first.continueCursor } });
  expect(second.page.map((r) => byIndex.get(r.interactionId))).toEqual([7, 6, 5, 4, 3]);
  const { rows, pages } = await listAll(t, admin, {});
  expect(rows.map((r) => byIndex.get(r.interactionId))).toEqual(range(() => true));
  expect(pages).toBe(3);
  // The row: names, money in USD, duration, lineage.
  expect(rows[0]).toMatchObject({ kind: "delegation", status: "failed", agentName: "Assistant", userName: "Other Person", costUsd: 0.00012, durationMs: 1_000, depth: 1, error: { code: "internal_error" } });
  expect(rows.find((r) => byIndex.get(r.interactionId) === 10)!.agentName).toBe("Researcher");
});

test("each filter alone: status, kind, agent, user, time range", async () => {
  const t = newHarness();
  const { admin, other, researcher, byIndex } = await seeded(t);
  const indexes = async (filters: Filters) => (await listAll(t, admin, filters)).rows.map((r) => byIndex.get(r.interactionId));
  expect(await indexes({ status: "failed" })).toEqual(range((i) => i % 3 === 0));
  expect(await indexes({ status: "completed" })).toEqual(range((i) => i % 3 !== 0));
  expect(await indexes({ kind: "delegation" })).toEqual(range((i) => i % 4 === 0));
  expect(await indexes({ agentId: researcher })).toEqual(range((i) => i % 5 === 0));
  expect(await indexes({ userId: other.userId })).toEqual(range((i) => i % 2 === 0));
  expect(await indexes({ from: 3_000, to: 7_000 })).toEqual([7, 6, 5, 4, 3]);
  expect(await indexes({ from: 11_000 })).toEqual([12, 11]);
  expect(await indexes({ to: 2_000 })).toEqual([2, 1]);
});

test("several filters: the most selective leads the index, the rest filter each bounded page", async () => {
  const t = newHarness();
  const { admin, other, researcher, byIndex } = await seeded(t);
  expect(leadFilter({ userId: other.userId, status: "failed", kind: "delegation" })).toBe("userId");
  expect(leadFilter({ status: "running", userId: other.userId })).toBe("status");
  expect(leadFilter({ status: "completed", kind: "delegation" })).toBe("kind");
  expect(leadFilter({ status: "completed", kind: "turn" })).toBe("status");
  const combined = await listAll(t, admin, { userId: other.userId, status: "failed", from: 5_000 }, 2);
  expect(combined.rows.map((r) => byIndex.get(r.interactionId))).toEqual([12, 6]);
  const three = await listAll(t, admin, { agentId: researcher, kind: "turn", status: "completed" }, 2);
  expect(three.rows.map((r) => byIndex.get(r.interactionId))).toEqual([10, 5]);
  const none = await listAll(t, admin, { kind: "delegation", agentId: researcher });
  expect(none.rows).toEqual([]);
});
