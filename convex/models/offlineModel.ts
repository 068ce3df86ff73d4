/**
 * The built-in offline language model: an AI SDK v7 `LanguageModelV4` that
 * needs no account and no network. It is deterministic (same call options →
 * same text, tool calls, ids and usage), streams its text a few words per
 * delta, and calls the offered tools when the message asks for what they do.
 * What it answers is decided by `planOfflineReply` (see offlineReply.ts).
 *
 * Test hooks, never reached from production paths unless a caller passes
 * them: `faults` (an object the test owns and the model mutates) and the call
 * log `offlineModelCalls`.
 */
import {
  APICallError,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4Content,
  type LanguageModelV4FinishReason,
  type LanguageModelV4GenerateResult,
  type LanguageModelV4Prompt,
  type LanguageModelV4StreamPart,
  type LanguageModelV4StreamResult,
  type LanguageModelV4ToolChoice,
  type LanguageModelV4Usage,
} from "@ai-sdk/provider";
import { planOfflineReply, type PlannedToolCall } from "./offlineReply";
import { digest, tokensForChars } from "./text";

export const OFFLINE_MODEL_ID = "offline";
export const OFFLINE_PROVIDER = "offline";

export type OfflineFaultKind = "timeout" | "5xx" | "429";

/**
 * Test-only fault injection. The test owns the object; the model consumes it:
 * `failNextCalls` is decremented on every failed call, `failAfterChunks` is
 * cleared once it has fired.
 */
export type FaultPlan = {
  /** The next N calls (doGenerate or doStream) throw before producing anything. */
  failNextCalls?: number;
  /** The next stream that gets past N content chunks (text deltas / tool calls) errors instead of sending chunk N+1. */
  failAfterChunks?: number;
  /** What the failure looks like. Default "5xx". */
  error?: OfflineFaultKind;
  /** Sent as a `retry-after-ms` header, which the AI SDK's retry honours (tests use 0 to retry at once). */
  retryAfterMs?: number;
};

export type OfflineModelOptions = {
  /** Pause before each streamed content chunk, to make the model slow (benchmarks, cancellation tests). */
  chunkDelayMs?: number;
  /** Pause before a stream starts: a provider's time to first token (benchmarks of parallel delegation). */
  latencyMs?: number;
  /** Words per text delta. Default 3. */
  chunkWords?: number;
  /** Test-only fault injection. */
  faults?: FaultPlan;
};

export type OfflineModelCall = {
  method: "generate" | "stream";
  /** The prompt exactly as given to the model. */
  prompt: LanguageModelV4Prompt;
  /** Names of the tools offered (function and provider tools). */
  toolNames: string[];
  toolChoice: LanguageModelV4ToolChoice | undefined;
  /** Set when the call failed before producing anything. */
  fault?: OfflineFaultKind;
};

/** Newest calls last. Bounded so a long-lived dev server does not grow without end. */
export const offlineModelCalls: OfflineModelCall[] = [];
const MAX_RECORDED_CALLS = 500;

export function resetOfflineModelCalls(): void {
  offlineModelCalls.length = 0;
}

function record(call: OfflineModelCall): void {
  offlineModelCalls.push(call);
  if (offlineModelCalls.length > MAX_RECORDED_CALLS) offlineModelCalls.splice(0, offlineModelCalls.length - MAX_RECORDED_CALLS);
}

/** The error a fault plan throws: an `APICallError` a real provider could have thrown, retryable. */
export function offlineFaultError(kind: OfflineFaultKind = "5xx", retryAfterMs?: number): APICallError {
  const shapes = {
    timeout: { statusCode: 408, message: "Offline model: simulated request timeout" },
    "5xx": { statusCode: 503, message: "Offline model: simulated 503 Service Unavailable" },
    "429": { statusCode: 429, message: "Offline model: simulated 429 Too Many Requests" },
  } as const;
  const shape = shapes[kind];
  const responseHeaders: Record<string, string> = {};
  if (retryAfterMs !== undefined) responseHeaders["retry-after-ms"] = String(retryAfterMs);
  else if (kind === "429") responseHeaders["retry-after"] = "1";
  return new APICallError({
    message: shape.message,
    url: "offline://model",
    requestBodyValues: {},
    statusCode: shape.statusCode,
    responseHeaders,
    responseBody: JSON.stringify({ error: { message: shape.message } }),
    isRetryable: true,
  });
}

/** Split `text` into deltas of `chunkWords` words each; their concatenation is `text`. */
export function chunkText(text: string, chunkWords: number): string[] {
  const size = Math.max(1, Math.floor(chunkWords));
  const leading = /^\s*/.exec(text)?.[0] ?? "";
  const tokens = text.slice(leading.length).match(/\S+\s*/g) ?? [];
  const chunks: string[] = [];
  for (let index = 0; index < tokens.length; index += size) chunks.push(tokens.slice(index, index + size).join(""));
  if (chunks.length === 0) return text === "" ? [] : [text];
  chunks[0] = leading + chunks[0];
  return chunks;
}

type Answer = {
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

function answer(options: LanguageModelV4CallOptions): Answer {
  const key = digest(JSON.stringify([options.prompt, (options.tools ?? []).map((tool) => tool.name), options.toolChoice ?? null]));
  const plan = planOfflineReply(options);
  const inputTokens = tokensForChars(promptChars(options.prompt));
  let text: string | undefined;
  let toolCalls: Answer["toolCalls"] = [];
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

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal | undefined): unknown {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const error = new Error("The operation was aborted.");
  error.name = "AbortError";
  return error;
}

/** The offline model as a class, for callers that want `instanceof`. Prefer `offlineModel()`. */
export class OfflineLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider = OFFLINE_PROVIDER;
  readonly modelId = OFFLINE_MODEL_ID;
  readonly supportedUrls: Record<string, RegExp[]> = {};
  private readonly chunkDelayMs: number;
  private readonly latencyMs: number;
  private readonly chunkWords: number;
  private readonly faults: FaultPlan | undefined;

  constructor(options: OfflineModelOptions = {}) {
    this.chunkDelayMs = Math.max(0, options.chunkDelayMs ?? 0);
    this.latencyMs = Math.max(0, options.latencyMs ?? 0);
    this.chunkWords = Math.max(1, Math.floor(options.chunkWords ?? 3));
    this.faults = options.faults;
  }

  /** Throws the planned fault if one is due, after recording the call. */
  private begin(method: OfflineModelCall["method"], options: LanguageModelV4CallOptions): void {
    const call: OfflineModelCall = {
      method,
      prompt: options.prompt,
      toolNames: (options.tools ?? []).map((tool) => tool.name),
      toolChoice: options.toolChoice,
    };
    const faults = this.faults;
    if (faults?.failNextCalls !== undefined && faults.failNextCalls > 0) {
      faults.failNextCalls -= 1;
      call.fault = faults.error ?? "5xx";
      record(call);
      throw offlineFaultError(call.fault, faults.retryAfterMs);
    }
    record(call);
    if (options.abortSignal?.aborted) throw abortError(options.abortSignal);
  }

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    this.begin("generate", options);
    const result = answer(options);
    if (this.chunkDelayMs > 0) await sleep(this.chunkDelayMs, options.abortSignal);
    const content: LanguageModelV4Content[] =
      result.text !== undefined
        ? [{ type: "text", text: result.text }]
        : result.toolCalls.map((call) => ({ type: "tool-call", toolCallId: call.toolCallId, toolName: call.toolName, input: call.inputJson }));
    return {
      content,
      finishReason: result.finishReason,
      usage: result.usage,
      response: { id: result.responseId, modelId: OFFLINE_MODEL_ID },
      warnings: [],
    };
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    this.begin("stream", options);
    if (this.latencyMs > 0) await sleep(this.latencyMs, options.abortSignal);
    const result = answer(options);
    const parts: LanguageModelV4StreamPart[] = [
      { type: "stream-start", warnings: [] },
      { type: "response-metadata", id: result.responseId, modelId: OFFLINE_MODEL_ID },
    ];
    if (result.text !== undefined) {
      parts.push({ type: "text-start", id: "text-0" });
      for (const delta of chunkText(result.text, this.chunkWords)) parts.push({ type: "text-delta", id: "text-0", delta });
      parts.push({ type: "text-end", id: "text-0" });
    }
    for (const call of result.toolCalls) {
      parts.push({ type: "tool-input-start", id: call.toolCallId, toolName: call.toolName });
      parts.push({ type: "tool-input-delta", id: call.toolCallId, delta: call.inputJson });
      parts.push({ type: "tool-input-end", id: call.toolCallId });
      parts.push({ type: "tool-call", toolCallId: call.toolCallId, toolName: call.toolName, input: call.inputJson });
    }
    parts.push({ type: "finish", finishReason: result.finishReason, usage: result.usage });

    const faults = this.faults;
    const delayMs = this.chunkDelayMs;
    const signal = options.abortSignal;
    let next = 0;
    let contentChunks = 0;
    const stream = new ReadableStream<LanguageModelV4StreamPart>({
      async pull(controller) {
        const part = parts[next++];
        if (part === undefined) {
          controller.close();
          return;
        }
        const isContent = part.type === "text-delta" || part.type === "tool-call";
        if (isContent) {
          if (faults?.failAfterChunks !== undefined && contentChunks >= faults.failAfterChunks) {
            faults.failAfterChunks = undefined;
            controller.error(offlineFaultError(faults.error ?? "5xx", faults.retryAfterMs));
            return;
          }
          if (delayMs > 0) {
            try {
              await sleep(delayMs, signal);
            } catch (error) {
              controller.error(error);
              return;
            }
          }
          contentChunks += 1;
        } else if (signal?.aborted) {
          controller.error(abortError(signal));
          return;
        }
        controller.enqueue(part);
      },
    });
    return { stream, request: { body: { model: OFFLINE_MODEL_ID } }, response: { headers: {} } };
  }
}

/** A fresh offline model. Options are for benchmarks (`chunkDelayMs`) and tests (`faults`). */
export function offlineModel(options?: OfflineModelOptions): LanguageModelV4 {
  return new OfflineLanguageModel(options);
}
