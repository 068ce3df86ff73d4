/**
 * Knowledge scopes and the RAG namespaces they map to.
 *
 * | scope    | key                           | who may read            | who may write (documents) |
 * |----------|-------------------------------|-------------------------|---------------------------|
 * | platform | `platform`                    | every turn              | platform admins           |
 * | account  | `account:<accountId>`         | the account's turns     | account admins            |
 * | team     | `team:<accountId>:<teamId>`   | turns of team members   | team leads, admins in it  |
 * | user     | `user:<accountId>:<userId>`   | that user's turns       | that user                 |
 * | agent    | `agent:<accountId>:<agentId>` | that agent's turns      | account admins            |
 *
 * The RAG namespace is `<key>|<embedding model id>`: vectors of different
 * embedding models never share a namespace, so changing the model can never
 * mix them in one search (documents must be re-added under the new model).
 * Model ids are `offline-hash-256`, `openai-compatible/<model>` (the
 * deployment's) or `@<connection>/<model>` (an account's own choice, see
 * rag.ts): the same provider model through two connections is two ids.
 */
import type { Id } from "../_generated/dataModel";
import type { ScopeKind } from "./validators";

export type KnowledgeScope =
  | { kind: "platform" }
  | { kind: "account"; accountId: Id<"accounts"> }
  | { kind: "team"; accountId: Id<"accounts">; teamId: string }
  | { kind: "user"; accountId: Id<"accounts">; userId: Id<"userProfiles"> }
  | { kind: "agent"; accountId: Id<"accounts">; agentId: Id<"agents"> };

export type VisibleScope = { kind: ScopeKind; scopeKey: string; namespace: string };

export function scopeKey(scope: KnowledgeScope): string {
  switch (scope.kind) {
    case "platform":
      return "platform";
    case "account":
      return `account:${scope.accountId}`;
    case "team":
      return `team:${scope.accountId}:${scope.teamId}`;
    case "user":
      return `user:${scope.accountId}:${scope.userId}`;
    case "agent":
      return `agent:${scope.accountId}:${scope.agentId}`;
  }
}

/** The RAG namespace of a scope key under an embedding model. */
export function namespaceFor(key: string, modelId: string): string {
  return `${key}|${modelId}`;
}

/**
 * Exactly the namespaces a turn of `userId` with `agentId` in `accountId`
 * may search: the platform's, the account's, the given teams', the user's
 * own and the agent's. Never another account's or another user's: every
 * account-bound key embeds `accountId`, and the user key embeds `userId`.
 * Callers pass ids they have verified (the turn's interaction row, an auth
 * builder); `teamIds` must be the active teams the user belongs to
 * (teams/membership.ts `activeTeamsOf`).
 * `modelId` is the account's embedding model; `platformModelId` the
 * deployment's, which platform knowledge is always embedded with.
 */
export function visibleScopes(
  args: { accountId: Id<"accounts">; userId: Id<"userProfiles">; agentId?: Id<"agents">; teamIds?: readonly string[] },
  modelId: string,
  platformModelId: string = modelId,
): VisibleScope[] {
  const scopes: KnowledgeScope[] = [
    { kind: "platform" },
    { kind: "account", accountId: args.accountId },
    ...(args.teamIds ?? []).map((teamId): KnowledgeScope => ({ kind: "team", accountId: args.accountId, teamId })),
    { kind: "user", accountId: args.accountId, userId: args.userId },
    ...(args.agentId !== undefined ? [{ kind: "agent", accountId: args.accountId, agentId: args.agentId } as const] : []),
  ];
  return scopes.map((scope) => {
    const key = scopeKey(scope);
    return { kind: scope.kind, scopeKey: key, namespace: namespaceFor(key, scope.kind === "platform" ? platformModelId : modelId) };
  });
}
