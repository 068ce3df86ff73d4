/** Calls to build in the offline model's tests: a user message, optional system text and tools. */
import type { LanguageModelV4CallOptions, LanguageModelV4FunctionTool } from "@ai-sdk/provider";
import { planOfflineReply } from "./plan";

export function fnTool(name: string, properties: string[] = []): LanguageModelV4FunctionTool {
  return {
    type: "function",
    name,
    description: "",
    inputSchema: { type: "object", properties: Object.fromEntries(properties.map((property) => [property, { type: "string" }])), required: properties },
  };
}

/** The tools the assistant template offers, as the model sees them. */
export const ASSISTANT_TOOLS = [
  fnTool("current_time", ["timezone"]),
  fnTool("memory_store", ["fact"]),
  fnTool("knowledge_search", ["query"]),
  fnTool("task_create", ["title"]),
  fnTool("schedule_job", ["task"]),
  fnTool("delegate_researcher", ["task", "context"]),
];

export function callWith(text: string, tools: LanguageModelV4FunctionTool[] = [], system?: string): LanguageModelV4CallOptions {
  return {
    prompt: [...(system !== undefined ? [{ role: "system" as const, content: system }] : []), { role: "user", content: [{ type: "text", text }] }],
    tools,
  };
}

/** The text the offline model answers `text` with; fails the test when it calls a tool instead. */
export function replyTo(text: string, tools: LanguageModelV4FunctionTool[] = [], system?: string): string {
  const plan = planOfflineReply(callWith(text, tools, system));
  if (plan.kind !== "text") throw new Error(`expected a text reply to “${text}”, got tool calls ${JSON.stringify(plan.toolCalls)}`);
  return plan.text;
}
