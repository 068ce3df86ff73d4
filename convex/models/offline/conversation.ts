/**
 * What the offline model reads from a call: the system text, the last user
 * message, the tools offered, and the tool results (with errors and denials
 * told apart) that came after the last user message.
 */
import type {
  JSONValue,
  LanguageModelV4CallOptions,
  LanguageModelV4FunctionTool,
  LanguageModelV4Prompt,
  LanguageModelV4ToolResultOutput,
} from "@ai-sdk/provider";
import { asSchema, type JsonSchema } from "./jsonSchema";

export type OfferedTool = { name: string; description: string; schema: JsonSchema };

export type ToolResultView = {
  toolCallId: string;
  toolName: string;
  input: unknown;
  status: "ok" | "error" | "denied";
  value: JSONValue | undefined;
  text: string;
};

export type ConversationView = {
  system: string;
  lastUserText: string;
  /** Tool results after the last user message, in order. */
  results: ToolResultView[];
};

export function offeredTools(options: LanguageModelV4CallOptions): OfferedTool[] {
  return (options.tools ?? [])
    .filter((tool): tool is LanguageModelV4FunctionTool => tool.type === "function")
    .map((tool) => ({ name: tool.name, description: tool.description ?? "", schema: asSchema(tool.inputSchema) }));
}

export function readConversation(prompt: LanguageModelV4Prompt): ConversationView {
  const system = prompt
    .filter((message) => message.role === "system")
    .map((message) => message.content)
    .join("\n");
  let lastUser = -1;
  prompt.forEach((message, index) => {
    if (message.role === "user") lastUser = index;
  });
  const userMessage = lastUser >= 0 ? prompt[lastUser] : undefined;
  const lastUserText =
    userMessage?.role === "user"
      ? userMessage.content
          .map((part) => (part.type === "text" ? part.text : ""))
          .join("\n")
          .trim()
      : "";
  return { system, lastUserText, results: resultsAfter(prompt.slice(lastUser + 1)) };
}

function resultsAfter(messages: LanguageModelV4Prompt): ToolResultView[] {
  const toolCallsById = new Map<string, { toolName: string; input: unknown }>();
  const rawResults: Array<{ toolCallId: string; toolName: string; output: LanguageModelV4ToolResultOutput }> = [];
  const denials: Array<{ approvalId: string; reason?: string }> = [];
  for (const message of messages) {
    if (message.role === "assistant") {
      for (const part of message.content) {
        if (part.type === "tool-call") toolCallsById.set(part.toolCallId, { toolName: part.toolName, input: part.input });
        if (part.type === "tool-result") rawResults.push(part);
      }
    } else if (message.role === "tool") {
      for (const part of message.content) {
        if (part.type === "tool-result") rawResults.push(part);
        else if (!part.approved) denials.push({ approvalId: part.approvalId, reason: part.reason });
      }
    }
  }
  const results: ToolResultView[] = rawResults.map((result) => ({
    toolCallId: result.toolCallId,
    toolName: result.toolName,
    input: toolCallsById.get(result.toolCallId)?.input,
    ...describeOutput(result.output),
  }));
  // Provider-executed tools are denied through approval responses; client tools through an
  // `execution-denied` result, which is reported already.
  const deniedAlready = results.some((result) => result.status === "denied");
  for (const denial of deniedAlready ? [] : denials) {
    results.push({
      toolCallId: denial.approvalId,
      toolName: "tool",
      input: undefined,
      status: "denied",
      value: undefined,
      text: denial.reason ?? "denied",
    });
  }
  return results;
}

function describeOutput(output: LanguageModelV4ToolResultOutput): Pick<ToolResultView, "status" | "value" | "text"> {
  switch (output.type) {
    case "text":
      return { status: /\bdenied\b/i.test(output.value) ? "denied" : "ok", value: output.value, text: output.value };
    case "json": {
      const text = typeof output.value === "string" ? output.value : JSON.stringify(output.value);
      return { status: /\bdenied\b/i.test(text) ? "denied" : "ok", value: output.value, text };
    }
    case "execution-denied":
      return { status: "denied", value: undefined, text: output.reason ?? "" };
    case "error-text":
      return { status: "error", value: output.value, text: output.value };
    case "error-json":
      return { status: "error", value: output.value, text: JSON.stringify(output.value) };
    case "content": {
      const text = output.value.map((part) => (part.type === "text" ? part.text : "")).join("\n");
      return { status: /\bdenied\b/i.test(text) ? "denied" : "ok", value: text, text };
    }
  }
}
