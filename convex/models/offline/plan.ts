/**
 * What the offline model answers a call, as a pure, deterministic function
 * of the call options (prompt, offered tools, tool choice, response format):
 * some text, or some tool calls.
 *
 *  1. Tool results after the last user message → words from them (resultReply.ts); never new calls.
 *  2. Otherwise the user's intents on the offered tools (toolChoice.ts), obeying `toolChoice`.
 *  3. Otherwise a text answer (reply.ts).
 * A JSON response format gets the text answer in the schema's string fields.
 */
import type { LanguageModelV4CallOptions } from "@ai-sdk/provider";
import { offeredTools, readConversation } from "./conversation";
import { asSchema, jsonFromSchema } from "./jsonSchema";
import { composeReply } from "./reply";
import { answerFromResults } from "./resultReply";
import { chooseToolCalls, type PlannedToolCall } from "./toolChoice";

export type { PlannedToolCall };

export type OfflinePlan = { kind: "text"; text: string } | { kind: "tool-calls"; toolCalls: PlannedToolCall[] };

export function planOfflineReply(options: LanguageModelV4CallOptions): OfflinePlan {
  const conversation = readConversation(options.prompt);
  const tools = offeredTools(options);

  if (options.responseFormat?.type === "json") {
    const reply = conversation.results.length > 0 ? answerFromResults(conversation.results) : composeReply(conversation, tools);
    return { kind: "text", text: JSON.stringify(jsonFromSchema(asSchema(options.responseFormat.schema), reply)) };
  }

  if (conversation.results.length > 0) return { kind: "text", text: answerFromResults(conversation.results) };

  const choice = options.toolChoice ?? { type: "auto" };
  if (choice.type === "none" || tools.length === 0) return { kind: "text", text: composeReply(conversation, tools) };

  const calls = chooseToolCalls(conversation.lastUserText, tools, choice);
  return calls.length > 0 ? { kind: "tool-calls", toolCalls: calls } : { kind: "text", text: composeReply(conversation, tools) };
}
