import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import type { Channel } from "../agents/channels";
import { ThreadChannels } from "../channels/threadChannel";

/**
 * Display names for a page of rows, each document read at most once per
 * query (a page of 50 runs by one agent and one user reads 2 documents, not 100).
 */
export class Names {
  private readonly users = new Map<string, Promise<string>>();
  private readonly agents = new Map<string, Promise<string>>();

  private readonly channels: ThreadChannels;

  constructor(private readonly ctx: Pick<QueryCtx, "db">) {
    this.channels = new ThreadChannels(ctx);
  }

  /** The channel that started runs in this thread (app, api, telegram, email); none for a job with no thread. */
  async channel(threadId: Id<"threads"> | undefined): Promise<Channel | undefined> {
    return threadId === undefined ? undefined : await this.channels.of(threadId);
  }

  user(userId: Id<"userProfiles">): Promise<string> {
    let name = this.users.get(userId);
    if (name === undefined) {
      name = this.ctx.db.get("userProfiles", userId).then((u) => u?.name ?? u?.email ?? "Unknown user");
      this.users.set(userId, name);
    }
    return name;
  }

  agent(agentId: Id<"agents"> | undefined): Promise<string> {
    if (agentId === undefined) return Promise.resolve("No agent"); // a background job started without one
    let name = this.agents.get(agentId);
    if (name === undefined) {
      name = this.ctx.db.get("agents", agentId).then((a) => a?.name ?? "Deleted agent");
      this.agents.set(agentId, name);
    }
    return name;
  }
}
