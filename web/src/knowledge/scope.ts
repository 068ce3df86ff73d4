import type { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { FunctionArgs, FunctionReturnType } from "../lib/convex";

export type ScopeView = FunctionReturnType<typeof api.knowledge.browse.scopes>[number];
export type ScopeArg = FunctionArgs<typeof api.knowledge.documents.list>["scope"];
export type KnowledgeDocument = FunctionReturnType<typeof api.knowledge.documents.get>;

/** A scope as one string, for the URL (`?scope=agent:<id>`) and for select values. */
export function scopeKey(scope: ScopeArg): string {
  return scope.kind === "agent" ? `agent:${scope.agentId}` : scope.kind === "team" ? `team:${scope.teamId}` : scope.kind;
}

/** The scope a document lives in, as the list and search functions name it. */
export function scopeOfDocument(document: Pick<KnowledgeDocument, "scope" | "agentId" | "teamId">): ScopeArg | null {
  switch (document.scope) {
    case "user":
    case "account":
    case "platform":
      return { kind: document.scope };
    case "agent":
      return document.agentId === undefined ? null : { kind: "agent", agentId: document.agentId as Id<"agents"> };
    case "team":
      return document.teamId === undefined ? null : { kind: "team", teamId: document.teamId };
    default:
      return null;
  }
}

export const SCOPE_WORDS: Record<ScopeView["kind"], string> = {
  user: "Only you (and your turns with any agent) see this.",
  account: "Everyone in the account sees this, in every agent's turns. Account admins change it.",
  agent: "Used in this agent's turns, for everyone who talks to it. Account admins change it.",
  team: "Only this team's members see this, in their turns with any agent. The team's leads change it.",
  platform: "Shared with every account on the platform. Platform admins change it.",
};

export const STATUS_WORDS: Record<KnowledgeDocument["status"], string> = {
  queued: "Queued",
  extracting: "Extracting text…",
  embedding: "Indexing…",
  pending: "Ingesting…",
  ready: "Ready",
  failed: "Failed",
};

export function kilobytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
}
