import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vPermission } from "../tools/validators";

export const vAgentStatus = v.union(v.literal("active"), v.literal("paused"), v.literal("archived"));

export const agentTables = {
  /**
   * An agent an account can chat with. Written by: account provisioning
   * (default agents), the agent builder. Read by: thread creation, turns.
   */
  agents: defineTable({
    accountId: v.id("accounts"),
    name: v.string(),
    /** Unique per account. */
    slug: v.string(),
    description: v.string(),
    instructions: v.string(),
    /** A model id (see convex/models/registry.ts); absent = the deployment's default. */
    modelId: v.optional(v.string()),
    status: vAgentStatus,
    accentColor: v.optional(v.string()),
    /** Bumped on every edit; each run records the version it ran with. */
    version: v.number(),
  }).index("by_accountId_slug", ["accountId", "slug"]),

  /**
   * Which tools an agent may call. `permission` caps the trust level of tools
   * it may call; `needsApproval` pauses the turn until the thread's user decides.
   * Written by: provisioning, agent builder. Read by: turns (tool policy).
   */
  toolAssignments: defineTable({
    agentId: v.id("agents"),
    toolSlug: v.string(),
    permission: vPermission,
    needsApproval: v.boolean(),
  }).index("by_agentId_toolSlug", ["agentId", "toolSlug"]),
};
