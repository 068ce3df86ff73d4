/**
 * The offline model's response to one call: the plan put in the shape a
 * provider returns — a response id and tool-call ids derived from the call
 * (same call, same ids), the finish reason, and usage estimated from the
 * characters in and out (about four a token; tests assert these numbers).
 */
import type { LanguageModelV4CallOptions, LanguageModelV4FinishReason, LanguageModelV4Prompt, LanguageModelV4Usage } from "@ai-sdk/provider";
import { digest, tokensForChars } from "../text";
import { planOfflineReply, type PlannedToolCall } from "./plan";

export type OfflineResponse = {
  responseId: string;
  text: string | undefined;
  toolCalls: Array<PlannedToolCall & { toolCallId: string; inputJson: string }>;
  finishReason: LanguageModelV4FinishReason;
  usage: LanguageModelV4Usage;
};

function promptChars(prompt: LanguageModelV4Prompt): number {
  let chars = 0;
  for (const message of prompt) {
    if (message.role === "system") {
      chars += message.content.length;
      continue;
    }
    for (const part of message.content) {
      if (part.type === "text" || part.type === "reasoning") chars += part.text.length;
      else if (part.type === "tool-call") chars += part.toolName.length + (JSON.stringify(part.input) ?? "").length;
      else if (part.type === "tool-result") chars += part.toolName.length + (JSON.stringify(part.output) ?? "").length;
    }
  }
  return chars;
}

export function respond(options: LanguageModelV4CallOptions): OfflineResponse {
  const key = digest(JSON.stringify([options.prompt, (options.tools ?? []).map((tool) => tool.name), options.toolChoice ?? null]));
  const plan = planOfflineReply(options);
  const inputTokens = tokensForChars(promptChars(options.prompt));
  let text: string | undefined;
  let toolCalls: OfflineResponse["toolCalls"] = [];
  let unified: LanguageModelV4FinishReason["unified"];
  if (plan.kind === "tool-calls") {
    toolCalls = plan.toolCalls.map((call, index) => ({ ...call, toolCallId: `call_${key}_${index}`, inputJson: JSON.stringify(call.input) }));
    unified = "tool-calls";
  } else {
    text = plan.text;
    unified = "stop";
    const limit = options.maxOutputTokens;
    if (limit !== undefined && limit > 0 && tokensForChars(text.length) > limit) {
      text = text.slice(0, limit * 4);
      unified = "length";
    }
  }
  const outputChars = (text?.length ?? 0) + toolCalls.reduce((sum, call) => sum + call.toolName.length + call.inputJson.length, 0);
  const outputTokens = tokensForChars(outputChars);
  return {
    responseId: `offline_${key}`,
    text,
    toolCalls,
    finishReason: { unified, raw: unified },
    usage: {
      inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: outputTokens, text: text === undefined ? 0 : outputTokens, reasoning: 0 },
    },
  };
}
