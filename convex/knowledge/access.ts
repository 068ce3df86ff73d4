/**
 * Who may read and write which knowledge scope, checked in one place.
 * Another account's data (an agent, a document) answers `not_found`, exactly
 * like data that does not exist; a scope the caller may see but not write
 * answers `forbidden`. A team's knowledge is its members' alone: to anyone
 * else — account admins included, and everybody once the team is archived —
 * the team and its documents are `not_found`, like another account's.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { roleAtLeast, type Role } from "../lib/validators";
import { activeTeamRole, teamOfAccount } from "../teams/membership";
import type { TeamRole } from "../teams/validators";
import { scopeKey } from "./scopes";
import type { ScopeArg, ScopeKind } from "./validators";

export type KnowledgeCaller = {
  userId: Id<"userProfiles">;
  role: Role;
  isPlatformAdmin: boolean;
};

export function callerOf(ctx: { user: Doc<"userProfiles">; membership: Doc<"memberships"> }): KnowledgeCaller {
  return { userId: ctx.user._id, role: ctx.membership.role, isPlatformAdmin: ctx.user.isPlatformAdmin };
}

export type ResolvedScope = {
  kind: ScopeKind;
  scopeKey: string;
  userId?: Id<"userProfiles">;
  agentId?: Id<"agents">;
  teamId?: Id<"teams">;
  /** For a team scope: the caller's role in the team. */
  teamRole?: TeamRole;
};

async function agentOfAccount(ctx: QueryCtx, accountId: Id<"accounts">, agentId: Id<"agents">) {
  const agent = await ctx.db.get("agents", agentId);
  if (agent === null || agent.accountId !== accountId) fail("not_found", "Agent not found.");
  return agent;
}

/** `caller`'s role in the active team `teamId` of `accountId`; not a member (or archived, or another account's): `not_found`. */
async function teamOfCaller(ctx: QueryCtx, caller: KnowledgeCaller, accountId: Id<"accounts">, teamId: Id<"teams">) {
  const team = await teamOfAccount(ctx, accountId, teamId);
  const role = await activeTeamRole(ctx, team, caller.userId);
  if (role === null) fail("not_found", "Team not found.");
  return role;
}

/** The scope `scope` names, for reading (listing, searching) by `caller` in `accountId`. */
export async function readableScope(ctx: QueryCtx, caller: KnowledgeCaller, accountId: Id<"accounts">, scope: ScopeArg): Promise<ResolvedScope> {
  switch (scope.kind) {
    case "platform":
      return { kind: "platform", scopeKey: scopeKey({ kind: "platform" }) };
    case "account":
      return { kind: "account", scopeKey: scopeKey({ kind: "account", accountId }) };
    case "user":
      return { kind: "user", scopeKey: scopeKey({ kind: "user", accountId, userId: caller.userId }), userId: caller.userId };
    case "agent": {
      await agentOfAccount(ctx, accountId, scope.agentId);
      return { kind: "agent", scopeKey: scopeKey({ kind: "agent", accountId, agentId: scope.agentId }), agentId: scope.agentId };
    }
    case "team": {
      const teamRole = await teamOfCaller(ctx, caller, accountId, scope.teamId);
      return { kind: "team", scopeKey: scopeKey({ kind: "team", accountId, teamId: scope.teamId }), teamId: scope.teamId, teamRole };
    }
  }
}

/** Team knowledge is written by the team's leads, and by account admins who are in the team. */
function mayWriteTeam(caller: KnowledgeCaller, teamRole: TeamRole | undefined): boolean {
  return teamRole === "lead" || (teamRole === "member" && roleAtLeast(caller.role, "admin"));
}

/**
 * The scope `scope` names, if `caller` may add documents to it: their own
 * user scope (members), the account's or one of its agents' (admins), a
 * team's they lead (or are in, as an admin), the platform's (platform admins).
 */
export async function writableScope(ctx: QueryCtx, caller: KnowledgeCaller, accountId: Id<"accounts">, scope: ScopeArg): Promise<ResolvedScope> {
  const resolved = await readableScope(ctx, caller, accountId, scope);
  switch (resolved.kind) {
    case "platform":
      if (!caller.isPlatformAdmin) fail("forbidden", "Only platform admins can add platform knowledge.");
      break;
    case "account":
    case "agent":
      if (!roleAtLeast(caller.role, "admin")) fail("forbidden", `Only account admins can add ${resolved.kind} knowledge.`);
      break;
    case "user":
      if (!roleAtLeast(caller.role, "member")) fail("forbidden", "Read-only members cannot add knowledge.");
      break;
    case "team":
      if (!roleAtLeast(caller.role, "member") || !mayWriteTeam(caller, resolved.teamRole)) {
        fail("forbidden", "Only the team's leads can add team knowledge.");
      }
  }
  return resolved;
}

/** A document `caller` may see (`read`) or change (`write`) in `accountId`. */
export async function accessibleDocument(
  ctx: QueryCtx,
  caller: KnowledgeCaller,
  accountId: Id<"accounts">,
  documentId: Id<"knowledgeDocuments">,
  mode: "read" | "write",
): Promise<Doc<"knowledgeDocuments">> {
  const document = await ctx.db.get("knowledgeDocuments", documentId);
  const visible =
    document !== null &&
    (document.scope === "platform" ||
      (document.accountId === accountId && (document.scope !== "user" || document.userId === caller.userId)));
  if (!visible) fail("not_found", "Document not found.");
  const teamRole = document.scope === "team" ? await teamRoleOfDocument(ctx, caller, document) : undefined;
  if (mode === "write") {
    const allowed =
      document.scope === "platform"
        ? caller.isPlatformAdmin
        : document.scope === "user"
          ? roleAtLeast(caller.role, "member")
          : document.scope === "team"
            ? roleAtLeast(caller.role, "member") && mayWriteTeam(caller, teamRole)
            : roleAtLeast(caller.role, "admin");
    if (!allowed) fail("forbidden", `You cannot change ${document.scope} knowledge.`);
  }
  return document;
}

/** The caller's role in a team document's team; anyone outside the (active) team gets the document's `not_found`. */
async function teamRoleOfDocument(ctx: QueryCtx, caller: KnowledgeCaller, document: Doc<"knowledgeDocuments">): Promise<TeamRole> {
  const team = document.teamId !== undefined ? await ctx.db.get("teams", document.teamId) : null;
  const role = team !== null ? await activeTeamRole(ctx, team, caller.userId) : null;
  if (role === null) fail("not_found", "Document not found.");
  return role;
}
