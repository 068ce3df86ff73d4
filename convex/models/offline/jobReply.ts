/**
 * Answers to the two prompts background jobs write (convex/jobs/): a
 * summary of the material a `summarize` job gathered (its first sentences,
 * quoted — the offline model extracts, it does not paraphrase), and the
 * follow-up turn that passes a finished job's result on to the user.
 */
import { snippet } from "../text";

/** What jobs/modelWork.ts writes when there is no material. */
const NO_MATERIAL = "(nothing to summarise)";
const MAX_SUMMARY_CHARS = 400;

function sentencesOf(material: string): string[] {
  return material
    .split("\n")
    .map((line) => line.replace(/^(?:user|assistant|system|tool|message):\s*/i, "").trim())
    .filter((line) => line !== "")
    .flatMap((line) => line.match(/[^.!?]+[.!?]*/g) ?? [])
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== "");
}

export function summaryReply(task: string, material: string): string {
  const sentences = material === NO_MATERIAL ? [] : sentencesOf(material);
  if (sentences.length === 0) return `There was nothing to summarise for “${task}” yet.`;
  const kept: string[] = [];
  for (const sentence of sentences) {
    if (kept.length > 0 && [...kept, sentence].join(" ").length > MAX_SUMMARY_CHARS) break;
    kept.push(sentence);
    if (kept.length === 3) break;
  }
  return `Summary for “${task}”: ${snippet(kept.join(" "), MAX_SUMMARY_CHARS)}`;
}

export function jobResultReply(label: string, result: string): string {
  const job = label !== "" ? `Your background job “${label}”` : "Your background job";
  if (result === "") return `${job} is done, but it returned nothing to show.`;
  return `${job} is done. Here is what it found:\n\n${snippet(result, 1200)}`;
}
