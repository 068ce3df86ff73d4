/**
 * Which tool calls the offline model emits, and with what arguments: the
 * user's intents (intent.ts) mapped onto the tools actually offered, with
 * the call's `toolChoice` obeyed. Rules, in order, each only if a tool that
 * serves it is offered:
 *
 *   schedule                       → schedule_job (only that)
 *   delegation                     → delegate_<name>, one call per agent named
 *   the task board                 → the first task_* request whose tool is offered
 *   time, memory, search           → current_time, memory_store, knowledge_search (together)
 *   an offered tool named verbatim → that tool (a URL in the message fills a `url` property)
 *
 * Tool-using tests and the browser suites rely on these decisions: change
 * them only with those tests.
 */
import type { LanguageModelV4ToolChoice } from "@ai-sdk/provider";
import { escapeRegExp } from "../text";
import type { OfferedTool } from "./conversation";
import { readToolIntents, type ToolIntents } from "./intent";
import { deriveArgs } from "./toolArgs";

export type PlannedToolCall = { toolName: string; input: Record<string, unknown> };

const DELEGATE_PREFIX = /^(?:delegate|ask|handoff|hand_off)_(?:to_)?/;

/** The agent a delegation tool asks (`delegate_research_lead` → "research_lead"), or undefined for other tools. */
export function agentOfTool(toolName: string): string | undefined {
  return DELEGATE_PREFIX.test(toolName) ? toolName.replace(DELEGATE_PREFIX, "") : undefined;
}

/** The tool that serves each intent: its usual name, else any offered tool whose name looks the part. */
export const INTENT_TOOLS = {
  schedule: { exact: "schedule_job", pattern: /schedul|background/i },
  time: { exact: "current_time", pattern: /(?:^|_)(?:current_?)?time$|current_?time|get_?time/i },
  remember: { exact: "memory_store", pattern: /memor.*(?:store|save|add|write|remember)|(?:store|save|add|write|remember).*memor|^remember/i },
  search: { exact: "knowledge_search", pattern: /knowledge|search|retriev|lookup/i },
} as const;

type IntentTool = (typeof INTENT_TOOLS)[keyof typeof INTENT_TOOLS];

export function chooseToolCalls(message: string, tools: OfferedTool[], choice: LanguageModelV4ToolChoice): PlannedToolCall[] {
  let calls = callsForIntents(message, tools);
  if (choice.type === "tool") {
    calls = calls.filter((call) => call.toolName === choice.toolName);
    const forced = tools.find((tool) => tool.name === choice.toolName);
    if (calls.length === 0 && forced) calls = [{ toolName: forced.name, input: deriveArgs(forced, message, {}) }];
  } else if (choice.type === "required" && calls.length === 0) {
    const first = tools[0];
    if (first) calls = [{ toolName: first.name, input: deriveArgs(first, message, {}) }];
  }
  return calls;
}

function callsForIntents(message: string, tools: OfferedTool[]): PlannedToolCall[] {
  const delegateTools = tools.filter((tool) => agentOfTool(tool.name) !== undefined);
  const intents = readToolIntents(message, delegateTools.map((tool) => agentOfTool(tool.name) ?? ""));
  if (intents === undefined) return [];

  const schedule = intents.schedule && findTool(tools, INTENT_TOOLS.schedule);
  if (intents.schedule && schedule) return [{ toolName: schedule.name, input: deriveArgs(schedule, message, { task: intents.schedule.task }, "task") }];

  const delegations = intents.delegations.flatMap(({ agent, task }) => {
    const tool = delegateTools.find((candidate) => agentOfTool(candidate.name) === agent);
    return tool ? [{ toolName: tool.name, input: deriveArgs(tool, message, { task, context: message }, "task") }] : [];
  });
  if (delegations.length > 0) return delegations;

  const task = intents.tasks.find((intent) => tools.some((tool) => tool.name === intent.toolName));
  if (task) return [{ toolName: task.toolName, input: task.input }];

  return [...callsForQuestions(intents, message, tools), ...callsByName(message, tools, intents)].reduce<PlannedToolCall[]>(
    (unique, call) => (unique.some((seen) => seen.toolName === call.toolName) ? unique : [...unique, call]),
    [],
  );
}

/** Time, memory and search: each may be asked in the same message, so each gets its call. */
function callsForQuestions(intents: ToolIntents, message: string, tools: OfferedTool[]): PlannedToolCall[] {
  const calls: PlannedToolCall[] = [];
  const time = intents.time && findTool(tools, INTENT_TOOLS.time);
  if (intents.time && time) calls.push({ toolName: time.name, input: deriveArgs(time, message, { timezone: intents.time.timezone }, "timezone") });
  const memory = intents.remember && findTool(tools, INTENT_TOOLS.remember);
  if (intents.remember && memory) calls.push({ toolName: memory.name, input: deriveArgs(memory, message, { fact: intents.remember.fact }, "fact") });
  const search = intents.search && findTool(tools, INTENT_TOOLS.search);
  if (intents.search && search) calls.push({ toolName: search.name, input: deriveArgs(search, message, { query: intents.search.query }, "query") });
  return calls;
}

/** Offered tools the message names verbatim ("use web_fetch for …"). */
function callsByName(message: string, tools: OfferedTool[], intents: ToolIntents): PlannedToolCall[] {
  return tools
    .filter((tool) => new RegExp(`(?<![\\w-])${escapeRegExp(tool.name)}(?![\\w-])`, "i").test(message))
    .map((tool) => ({ toolName: tool.name, input: deriveArgs(tool, message, intents.url ? { url: intents.url } : {}) }));
}

export function findTool<T extends { name: string }>(tools: T[], { exact, pattern }: IntentTool): T | undefined {
  return tools.find((tool) => tool.name === exact) ?? tools.find((tool) => pattern.test(tool.name));
}
