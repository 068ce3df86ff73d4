import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";

/**
 * Display names for a page of rows, each document read at most once per
 * query (a page of 50 runs by one agent and one user reads 2 documents, not 100).
 */
export class Names {
  private readonly users = new Map<string, Promise<string>>();
  private readonly agents = new Map<string, Promise<string>>();

  constructor(private readonly ctx: Pick<QueryCtx, "db">) {}

  user(userId: Id<"userProfiles">): Promise<string> {
    let name = this.users.get(userId);
    if (name === undefined) {
      name = this.ctx.db.get("userProfiles", userId).then((u) => u?.name ?? u?.email ?? "Unknown user");
      this.users.set(userId, name);
    }
    return name;
  }

  agent(agentId: Id<"agents">): Promise<string> {
    let name = this.agents.get(agentId);
    if (name === undefined) {
      name = this.ctx.db.get("agents", agentId).then((a) => a?.name ?? "Deleted agent");
      this.agents.set(agentId, name);
    }
    return name;
  }
}
