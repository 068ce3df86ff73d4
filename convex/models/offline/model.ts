/**
 * The built-in offline language model: an AI SDK v7 `LanguageModelV4` that
 * needs no account and no network. It is deterministic (same call options →
 * same text, tool calls, ids and usage), streams its text a few words per
 * delta, and calls the offered tools when the message asks for what they do.
 * What it answers is decided by `planOfflineReply` (plan.ts).
 *
 * Test hooks, never reached from production paths unless a caller passes
 * them: `faults` (an object the test owns and the model mutates) and the call
 * log (callLog.ts).
 */
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
} from "@ai-sdk/provider";
import { recordCall, type OfflineModelCall } from "./callLog";
import { offlineFaultError, type FaultPlan } from "./faults";
import { abortError, chunkText, sleep } from "./pacing";
import { respond } from "./response";

export const OFFLINE_MODEL_ID = "offline";
export const OFFLINE_PROVIDER = "offline";

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
      recordCall(call);
      throw offlineFaultError(call.fault, faults.retryAfterMs);
    }
    recordCall(call);
    if (options.abortSignal?.aborted) throw abortError(options.abortSignal);
  }

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    this.begin("generate", options);
    const result = respond(options);
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
    const result = respond(options);
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
