/**
 * Test and benchmark helpers for the run inspector: runs written directly
 * (a history of any size, in batches), and reading every page of a list.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { Harness } from "../test.setup";

export type RunSeed = Partial<Pick<Doc<"interactions">, "kind" | "status" | "agentId" | "userId" | "createdAt" | "costMicroUsd" | "depth">>;

/** The ids a directly written run needs: an existing thread, its user and agent. */
export type RunOwner = { accountId: Id<"accounts">; userId: Id<"userProfiles">; agentId: Id<"agents">; threadId: Id<"threads"> };

/** Insert runs in one transaction (keep batches ≤ 500 for the transaction limits). */
export async function insertRuns(t: Harness, owner: RunOwner, seeds: RunSeed[]): Promise<Id<"interactions">[]> {
  return await t.run(async (ctx) => {
    const ids: Id<"interactions">[] = [];
    for (const seed of seeds) {
      const agentId = seed.agentId ?? owner.agentId;
      const createdAt = seed.createdAt ?? Date.now();
      const status = seed.status ?? "completed";
      const ended = status === "completed" || status === "failed" || status === "cancelled";
      ids.push(
        await ctx.db.insert("interactions", {
          kind: seed.kind ?? "turn",
          accountId: owner.accountId,
          userId: seed.userId ?? owner.userId,
          agentId,
          agentVersion: 1,
          threadId: owner.threadId,
          depth: seed.depth ?? 0,
          lineage: [agentId],
          treeCostMicroUsd: seed.costMicroUsd ?? 0,
          promptMessageId: "seeded",
          promptText: "seeded run",
          promptOrder: 0,
          status,
          modelId: "offline",
          modelLabel: "Offline model (built-in)",
          createdAt,
          startedAt: createdAt,
          ...(ended ? { endedAt: createdAt + 1_000 } : {}),
          tokensIn: 10,
          tokensOut: 20,
          costMicroUsd: seed.costMicroUsd ?? 0,
          llmCalls: 1,
          stepCount: 0,
          generation: 0,
          ...(status === "failed" ? { error: { code: "internal_error", message: "seeded failure" } } : {}),
        }),
      );
    }
    return ids;
  });
}

/** Every page of a paginated list, concatenated (with the number of pages read). */
export async function allPages<T>(
  fetch: (cursor: string | null) => Promise<{ page: T[]; isDone: boolean; continueCursor: string }>,
  maxPages = 100,
): Promise<{ rows: T[]; pages: number }> {
  const rows: T[] = [];
  let cursor: string | null = null;
  for (let pages = 1; pages <= maxPages; pages++) {
    const result = await fetch(cursor);
    rows.push(...result.page);
    if (result.isDone) return { rows, pages };
    cursor = result.continueCursor;
  }
  throw new Error(`allPages: more than ${maxPages} pages`);
}
