import { defineTable } from "convex/server";
import { v } from "convex/values";
import { toolTables } from "../tools/schema";
import { vPermission } from "../tools/validators";
import { vAgentStatus, vCapabilityLevel, vTemplateDelegation, vTemplateTool, vVersionTool } from "./validators";
import { vStoredView } from "./views";
import { vChannel } from "./channels";
import { vAvailableTo } from "../teams/validators";

export { vAgentStatus } from "./validators";

/**
 * The agent builder's tables. Index names are `by_<field>_<field>` in index order.
 */
export const agentTables = {
  /**
   * An agent an account can chat with. Written by: account provisioning
   * (default template), the agent builder (create / update / pause / resume /
   * archive, tool assignments and compositions bump `version`), template
   * instantiation, manifest import. Read by: thread creation, turns, the builder.
   * `by_accountId_slug` serves slug uniqueness and the account's list (by slug).
   */
  agents: defineTable({
    accountId: v.id("accounts"),
    name: v.string(),
    /** Unique per account (archived agents keep theirs); fixed once created. */
    slug: v.string(),
    description: v.string(),
    /** The system prompt. */
    instructions: v.string(),
    /** A model id (see convex/models/registry.ts); absent = the deployment's default. */
    modelId: v.optional(v.string()),
    status: vAgentStatus,
    accentColor: v.optional(v.string()),
    /** The highest permission its tool assignments may carry; absent (older rows) = no cap. */
    capabilityLevel: v.optional(vCapabilityLevel),
    /** The platform template it was instantiated from. */
    templateSlug: v.optional(v.string()),
    /**
     * An external agent (manifest `execution.type: "external"`): its turns are
     * answered by POSTing the conversation to `endpointUrl` (convex/chat/externalAgent.ts),
     * not by a model. Absent = a model-backed agent.
     */
    external: v.optional(v.object({ endpointUrl: v.string(), timeoutSeconds: v.optional(v.number()) })),
    /** How the app shows it (views.ts: conversation, kanban…), from its manifest or template; absent = a conversation only. */
    views: v.optional(v.array(vStoredView)),
    /** Where it answers (channels.ts: app, api, telegram, email); absent = every channel. */
    channels: v.optional(v.array(vChannel)),
    /** Who may use it (teams/availability.ts): listed people and members of listed teams; absent = the whole account. */
    availableTo: v.optional(vAvailableTo),
    /** Bumped on every edit of the definition (prompt, model, tools...); each run records the version it ran with. */
    version: v.number(),
    updatedAt: v.optional(v.number()),
  }).index("by_accountId_slug", ["accountId", "slug"]),

  /**
   * Immutable snapshots of an agent's definition, one per version, written in
   * the same transaction as the edit. Written by: every agent edit. Read by:
   * the runtime (`snapshotOf`) and the run inspector (what an old run ran with).
   * `by_agentId_version` serves both.
   */
  agentVersions: defineTable({
    accountId: v.id("accounts"),
    agentId: v.id("agents"),
    version: v.number(),
    name: v.string(),
    description: v.string(),
    instructions: v.string(),
    /** As stored on the agent: absent = the deployment's default model. */
    modelId: v.optional(v.string()),
    capabilityLevel: vCapabilityLevel,
    /** The tool assignments at this version. */
    tools: v.array(vVersionTool),
    createdAt: v.number(),
    /** Who made the edit (absent for provisioning). */
    editedBy: v.optional(v.id("userProfiles")),
  }).index("by_agentId_version", ["agentId", "version"]),

  /**
   * Which tools an agent may call. `permission` caps the trust level of tools
   * it may call; `needsApproval` pauses the turn until the thread's user decides.
   * A delegation (agent-type tool) assignment also carries `delegateToAgentId`
   * and optional `restrictions` for that composition.
   * Written by: provisioning, agent builder. Read by: turns (tool policy).
   * `by_agentId_toolSlug` serves the runtime's policy check and an agent's tool list.
   */
  toolAssignments: defineTable({
    agentId: v.id("agents"),
    toolSlug: v.string(),
    permission: vPermission,
    needsApproval: v.boolean(),
    /** Delegations only: the agent this assignment delegates to. */
    delegateToAgentId: v.optional(v.id("agents")),
    /** Delegations only: limits of this composition. */
    restrictions: v.optional(
      v.object({
        /** Which of the delegate's tools it may use when working for this agent (absent = all it has). */
        allowedToolSlugs: v.optional(v.array(v.string())),
      }),
    ),
  }).index("by_agentId_toolSlug", ["agentId", "toolSlug"]),

  /**
   * The delegation graph's edges: one row per composition "from may delegate
   * to to", written together with `from`'s assignment of `to`'s agent-type
   * tool (which stays the source of truth for the runtime).
   * Written by: compose / decompose / archive. Read by: composition checks, `delegationGraph`.
   * `by_accountId_fromAgentId_toAgentId` serves the account's whole graph and one edge;
   * `by_toAgentId` finds who delegates to an agent (archive).
   */
  delegations: defineTable({
    accountId: v.id("accounts"),
    fromAgentId: v.id("agents"),
    toAgentId: v.id("agents"),
    toolSlug: v.string(),
    createdAt: v.number(),
  })
    .index("by_accountId_fromAgentId_toAgentId", ["accountId", "fromAgentId", "toAgentId"])
    .index("by_toAgentId", ["toAgentId"]),

  /**
   * The platform's agent templates, mirrored from code (templateCatalogue.ts)
   * by `agents/templates:seed` and on first instantiation; upserted by slug.
   * Written by: the seed. Read by: `templates.list`, `instantiate`.
   */
  agentTemplates: defineTable({
    slug: v.string(),
    name: v.string(),
    description: v.string(),
    instructions: v.string(),
    capabilityLevel: vCapabilityLevel,
    accentColor: v.optional(v.string()),
    tools: v.array(vTemplateTool),
    delegations: v.array(vTemplateDelegation),
    views: v.optional(v.array(vStoredView)),
    updatedAt: v.number(),
  }).index("by_slug", ["slug"]),

  ...toolTables,
};
