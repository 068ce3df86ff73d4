/**
 * Which channel started a run: its thread's `source` (`api`, `telegram`,
 * `email`; absent = the app). A delegate's run lives in a sub-thread, so the
 * channel is that of the thread it was delegated from, walked up to the root.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import type { Channel } from "../agents/channels";

/** Deeper than any delegation chain (max depth 3): a guard against a malformed parent loop. */
const MAX_PARENTS = 8;

/** Each thread read once per query, however many runs share it. */
export class ThreadChannels {
  private readonly known = new Map<string, Promise<Channel>>();

  constructor(private readonly ctx: Pick<QueryCtx, "db">) {}

  of(threadId: Id<"threads">): Promise<Channel> {
    let channel = this.known.get(threadId);
    if (channel === undefined) {
      channel = this.walk(threadId);
      this.known.set(threadId, channel);
    }
    return channel;
  }

  private async walk(threadId: Id<"threads">): Promise<Channel> {
    let id: Id<"threads"> | undefined = threadId;
    for (let hop = 0; id !== undefined && hop < MAX_PARENTS; hop++) {
      const thread: Doc<"threads"> | null = await this.ctx.db.get("threads", id);
      if (thread === null) return "app";
      if (thread.source !== undefined) return thread.source;
      id = thread.parentThreadId;
    }
    return "app";
  }
}
