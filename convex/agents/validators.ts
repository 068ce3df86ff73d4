import { v, type Infer } from "convex/values";
import { fail } from "../lib/errors";
import { vPermission } from "../tools/validators";

export const vAgentStatus = v.union(v.literal("active"), v.literal("paused"), v.literal("archived"));
export type AgentStatus = Infer<typeof vAgentStatus>;

/**
 * An agent's capability level: the highest permission any of its tool
 * assignments may carry. A "read" agent can never be given a write tool.
 */
export const vCapabilityLevel = vPermission;
export type CapabilityLevel = Infer<typeof vCapabilityLevel>;

/** A tool assignment as recorded in a version snapshot. */
export const vVersionTool = v.object({
  toolSlug: v.string(),
  permission: vPermission,
  needsApproval: v.boolean(),
  delegateToAgentId: v.optional(v.id("agents")),
  allowedToolSlugs: v.optional(v.array(v.string())),
});
export type VersionTool = Infer<typeof vVersionTool>;

/** A template's built-in tool. */
export const vTemplateTool = v.object({ slug: v.string(), permission: vPermission, needsApproval: v.boolean() });
export type TemplateTool = Infer<typeof vTemplateTool>;

/** A template's delegation: to the agent instantiated from another template. */
export const vTemplateDelegation = v.object({
  templateSlug: v.string(),
  allowedToolSlugs: v.optional(v.array(v.string())),
});
export type TemplateDelegation = Infer<typeof vTemplateDelegation>;

// --- field rules (shared by the builder, templates and manifests) -----------

export const LIMITS = {
  name: 80,
  description: 500,
  instructions: 20_000,
  agentsPerAccount: 100,
  toolsPerAgent: 50,
} as const;

/** 2 to 40 characters: lowercase letters, digits, "-" and "_", starting with a letter. */
export const SLUG_PATTERN = /^[a-z][a-z0-9_-]{1,39}$/;
export const ACCENT_COLOR_PATTERN = /^#[0-9a-fA-F]{6}$/;

/** The message for a field that breaks a rule, or null when it is fine. */
export function slugProblem(slug: string): string | null {
  return SLUG_PATTERN.test(slug)
    ? null
    : "must be 2 to 40 characters: lowercase letters, digits, '-' or '_', starting with a letter";
}

export function nameProblem(name: string): string | null {
  const trimmed = name.trim();
  return trimmed === "" || trimmed.length > LIMITS.name ? `must be 1 to ${LIMITS.name} characters` : null;
}

export function descriptionProblem(description: string): string | null {
  return description.length > LIMITS.description ? `must be at most ${LIMITS.description} characters` : null;
}

export function instructionsProblem(instructions: string): string | null {
  const trimmed = instructions.trim();
  return trimmed === "" || trimmed.length > LIMITS.instructions ? `must be 1 to ${LIMITS.instructions} characters` : null;
}

export function accentColorProblem(color: string): string | null {
  return ACCENT_COLOR_PATTERN.test(color) ? null : "must be a colour like #4f46e5";
}

/** Throw `bad_request` naming `field` (in its message and as its `field`) when `problem` is set. */
export function check(field: string, problem: string | null): void {
  if (problem !== null) fail("bad_request", `${field} ${problem}.`, { field });
}
