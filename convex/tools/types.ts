/**
 * What a tool is: the leaf every tool-contributing domain imports (knowledge,
 * tasks, jobs, the built-ins under tools/). It imports no domain, so a domain
 * can define its tools without reaching the registry that lists them
 * (tools/registry.ts, composed above the domains).
 */
import type { JSONSchema7 } from "@ai-sdk/provider";
import type { Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import type { Permission } from "./validators";

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

/** Write- and admin-level tools wait for approval unless the assignment says otherwise. */
export function defaultNeedsApproval(tool: ToolDefinition): boolean {
  return tool.trustLevel !== "read";
}
