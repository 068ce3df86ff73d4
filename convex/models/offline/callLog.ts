/**
 * Every call the offline model received, newest last, so tests can assert
 * what a turn asked the model (prompt as given, tools offered, tool choice).
 */
import type { LanguageModelV4Prompt, LanguageModelV4ToolChoice } from "@ai-sdk/provider";
import type { OfflineFaultKind } from "./faults";

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

export function recordCall(call: OfflineModelCall): void {
  offlineModelCalls.push(call);
  if (offlineModelCalls.length > MAX_RECORDED_CALLS) offlineModelCalls.splice(0, offlineModelCalls.length - MAX_RECORDED_CALLS);
}
