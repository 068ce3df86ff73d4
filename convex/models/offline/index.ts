/**
 * The built-in offline model, as the rest of the app sees it. Inside, one
 * file per decision:
 *
 *   model.ts       the LanguageModelV4 contract: streaming parts, ids, usage (response.ts), faults, pacing
 *   plan.ts        what a call gets: words from tool results, tool calls, or a text answer
 *   intent.ts      what the user asked for (delegationIntent.ts, taskIntent.ts, timeZones.ts)
 *   toolChoice.ts  which tool calls to emit, with arguments from the tool's schema (toolArgs.ts)
 *   reply.ts       text answers (offlineNotice.ts, contextReply.ts, jobReply.ts, markdownSample.ts)
 *   resultReply.ts answers from tool results (timeReply.ts, searchReply.ts, taskReply.ts)
 *   facts.ts       facts read from a user's message (conversation memory without a provider)
 */
export { OFFLINE_MODEL_ID, OFFLINE_PROVIDER, OfflineLanguageModel, offlineModel, type OfflineModelOptions } from "./model";
export { offlineModelCalls, resetOfflineModelCalls, type OfflineModelCall } from "./callLog";
export { offlineFaultError, type FaultPlan, type OfflineFaultKind } from "./faults";
export { chunkText } from "./pacing";
export { planOfflineReply, type OfflinePlan, type PlannedToolCall } from "./plan";
export { offlineFacts, type OfflineFact } from "./facts";
