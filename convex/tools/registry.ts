/**
 * The tool registry: every tool an agent can be given. Built-in tools are
 * defined in code here; agent-type tools (delegation) and external HTTP
 * tools are rows of the account's `tools` table (catalogue.ts), run by the
 * delegation runtime and by convex/tools/http respectively.
 *
 * A tool never runs inside the model call: the model asks for it, the turn
 * workflow checks the agent's assignment (trust level, approval) and runs it
 * as its own journaled step with an idempotency key.
 */
import type { JSONSchema7 } from "@ai-sdk/provider";
import type { Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import type { Permission } from "./validators";
import { currentTime } from "./builtins/currentTime";
import { saveNote } from "./builtins/saveNote";
import { knowledgeSearch, memorySearch, memoryStore } from "../knowledge/tools";
import { scheduleJob } from "../jobs/tool";
import { TASK_TOOLS } from "../tasks/tools";
import { webReader } from "./web/reader";
import { webSearch } from "./web/search";

/** Everything a tool may know about the call it serves. */
export type ToolRunContext = {
  ctx: ActionCtx;
  accountId: Id<"accounts">;
  userId: Id<"userProfiles">;
  agentId: Id<"agents">;
  interactionId: Id<"interactions">;
  /** Unique per tool call (run:step:call); side effects must be keyed by it. */
  idempotencyKey: string;
};

export type ToolDefinition = {
  slug: string;
  description: string;
  trustLevel: Permission;
  parameters: JSONSchema7;
  /**
   * Safe to run again when an earlier attempt's outcome is unknown (it
   * crashed mid-call). Non-idempotent tools are then marked `unknown`, not repeated.
   */
  idempotent: boolean;
  /** Why the tool cannot run on this deployment (e.g. `web_search` without a provider key), or null. Listed with the tool. */
  unavailableReason?: () => string | null;
  execute: (run: ToolRunContext, args: Record<string, unknown>) => Promise<unknown>;
};

export { ToolInputError } from "./toolInputError";

export const BUILTIN_TOOLS: readonly ToolDefinition[] = [currentTime, saveNote, memoryStore, memorySearch, knowledgeSearch, scheduleJob, webReader, webSearch, ...TASK_TOOLS];

const bySlug = new Map(BUILTIN_TOOLS.map((tool) => [tool.slug, tool]));

export function findTool(slug: string): ToolDefinition | undefined {
  return bySlug.get(slug);
}

/** Write- and admin-level tools wait for approval unless the assignment says otherwise. */
export function defaultNeedsApproval(tool: ToolDefinition): boolean {
  return tool.trustLevel !== "read";
}
