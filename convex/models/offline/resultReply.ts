/**
 * The answer after tool results: one sentence per result — a delegate's
 * reply quoted and attributed, the time, what was remembered or scheduled,
 * the search hits, the board — with errors and denials said plainly. Never
 * new tool calls.
 */
import { snippet } from "../text";
import type { ToolResultView } from "./conversation";
import { field, summarize } from "./resultFields";
import { describeSearch } from "./searchReply";
import { describeTaskResult } from "./taskReply";
import { describeTime } from "./timeReply";
import { agentOfTool } from "./toolChoice";

export function answerFromResults(results: ToolResultView[]): string {
  const sentences = results.map(describeResult);
  const closing = results.some((result) => result.status !== "ok")
    ? "Tell me if you would like me to try something else."
    : "Let me know if you need anything else.";
  return [...sentences, closing].join("\n\n");
}

function describeResult(result: ToolResultView): string {
  const agent = agentOfTool(result.toolName)?.replace(/_/g, " ");
  const tool = result.toolName;
  if (result.status === "denied") {
    const reason = result.text && !/^denied\.?$/i.test(result.text.trim()) ? ` (${snippet(result.text, 200)})` : "";
    return agent
      ? `I couldn't ask the ${agent}: the request was denied${reason}.`
      : `The ${tool} call was denied${reason}, so I did not get a result from it.`;
  }
  if (result.status === "error") {
    return agent
      ? `I couldn't get an answer from the ${agent}: the request failed with an error (${snippet(result.text, 200)}).`
      : `The ${tool} tool failed with an error: ${snippet(result.text, 200)}.`;
  }
  if (agent) return `The ${agent} replied: “${summarize(result.value, 600)}”`;
  if (/time/i.test(tool)) return describeTime(result) ?? `The ${tool} tool says: ${summarize(result.value)}.`;
  if (/memor|remember/i.test(tool)) {
    const fact = field(result.input, ["fact", "content", "text", "memory", "value", "note"]);
    return fact ? `Got it — I'll remember that ${fact}.` : `Got it — I've stored that in memory (${summarize(result.value, 200)}).`;
  }
  if (/knowledge|search|retriev|lookup/i.test(tool)) return describeSearch(result);
  if (/schedul|background|job/i.test(tool)) {
    const id = field(result.value, ["jobId", "id", "runId"]);
    return `I've scheduled that to run in the background${id ? ` (job ${id})` : ""}. You'll see the result when it finishes.`;
  }
  const task = describeTaskResult(tool, result.value);
  if (task !== undefined) return task;
  return `The ${tool} tool returned: ${summarize(result.value)}.`;
}
