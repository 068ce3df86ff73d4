/**
 * The tool registry: every built-in tool an agent can be given, composed
 * here from the tools each domain contributes. It sits above those domains
 * (knowledge, tasks, jobs, the built-ins under tools/), which import only
 * the leaf `tools/types.ts`, never this file — so the registry can list
 * them without an import circle. Agent-type tools (delegation) and external
 * HTTP tools are rows of the account's `tools` table (catalogue.ts), run by
 * the delegation runtime and by convex/tools/http respectively.
 *
 * A tool never runs inside the model call: the model asks for it, the turn
 * workflow checks the agent's assignment (trust level, approval) and runs it
 * as its own journaled step with an idempotency key.
 */
import { scheduleJob } from "../jobs/tool";
import { knowledgeSearch, memorySearch, memoryStore } from "../knowledge/tools";
import { TASK_TOOLS } from "../tasks/tools";
import { currentTime } from "./builtins/currentTime";
import { saveNote } from "./builtins/saveNote";
import type { ToolDefinition } from "./types";
import { webReader } from "./web/reader";
import { webSearch } from "./web/search";

export type { ToolDefinition, ToolRunContext } from "./types";
export { defaultNeedsApproval } from "./types";
export { ToolInputError } from "./toolInputError";

export const BUILTIN_TOOLS: readonly ToolDefinition[] = [currentTime, saveNote, memoryStore, memorySearch, knowledgeSearch, scheduleJob, webReader, webSearch, ...TASK_TOOLS];

const bySlug = new Map(BUILTIN_TOOLS.map((tool) => [tool.slug, tool]));

export function findTool(slug: string): ToolDefinition | undefined {
  return bySlug.get(slug);
}
