/**
 * What the user asked for, read from their last message alone. Two readings:
 *
 * - `readToolIntents`: requests a tool could serve —
 *     schedule ("in the background", "schedule …")     → the work to run later
 *     delegation ("ask the researcher to …", "@name …") → who is asked what
 *     the task board ("add a task: …", "move X to done")
 *     time ("what time", "current time", "time in X")  → the time zone
 *     memory ("remember that …")                       → the fact
 *     search ("search / look up / what do you know about") → the query
 *     a URL in the message
 *   Whether a tool is offered for them is tool choice's business (toolChoice.ts).
 * - `readReplyIntent`: what kind of text answer fits when no tool is called.
 */
import { MARKDOWN_SAMPLE_REQUEST } from "./markdownSample";
import { readDelegations, type Delegation } from "./delegationIntent";
import { trimPhrase } from "./phrase";
import { readTaskIntents, type TaskIntent } from "./taskIntent";
import { timeZoneIn } from "./timeZones";

export type ToolIntents = {
  schedule?: { task: string };
  delegations: Delegation[];
  tasks: TaskIntent[];
  time?: { timezone: string };
  remember?: { fact: string };
  search?: { query: string };
  url?: string;
};

/** A background job's result handed back to the agent (jobs/followUp.ts): answered in words, never with tools. */
const JOB_RESULT_PREFIX = "[Background job ";
const JOB_LABEL = /^\[Background job “([^”]*)”/;
/** A background job asking the agent's model for a summary (jobs/modelWork.ts). */
const JOB_WORK = /^Task: ([^\n]*)\n\nMaterial:\n([\s\S]*)$/;

/** `agents`: the names of the agents that can be asked (delegation tools offered). Undefined: nothing a tool could serve. */
export function readToolIntents(message: string, agents: readonly string[]): ToolIntents | undefined {
  if (message === "" || message.startsWith(JOB_RESULT_PREFIX)) return undefined;
  const schedule = scheduledTask(message);
  const timezone = askedTimeZone(message);
  const fact = rememberedFact(message);
  const query = searchQuery(message);
  const url = /\bhttps?:\/\/[^\s<>"']+/i.exec(message)?.[0]?.replace(/[.,;:!?)]+$/, "");
  return {
    ...(schedule !== undefined ? { schedule: { task: schedule } } : {}),
    delegations: agents.length > 0 ? readDelegations(message, agents) : [],
    tasks: readTaskIntents(message),
    ...(timezone !== undefined ? { time: { timezone } } : {}),
    ...(fact !== undefined ? { remember: { fact } } : {}),
    ...(query !== undefined ? { search: { query } } : {}),
    ...(url !== undefined ? { url } : {}),
  };
}

// --- schedule

/** "schedule" as a verb ("schedule a report", "schedule it for 9am"), not "my schedule". */
const SCHEDULE =
  /\b(?:in\s+the\s+background|schedule[sd]?\s+(?:a|an|the|this|that|it|to|for|job|task|my|our|me|daily|weekly)|later\s+today|every\s+(?:day|hour|morning|evening|week|monday|tuesday|wednesday|thursday|friday))\b/i;

function scheduledTask(message: string): string | undefined {
  if (!SCHEDULE.test(message)) return undefined;
  return (
    trimPhrase(
      message
        .replace(/\b(?:please\s+)?schedule[sd]?\s+(?:a\s+)?(?:background\s+)?(?:job|task)?\s*(?:to|for|that)?\b/gi, " ")
        .replace(/\b(?:can\s+you\s+)?(?:do\s+(?:this|that|it)\s+)?in\s+the\s+background\b/gi, " ")
        .replace(/\bin\s+\d+\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?)\b/gi, " "),
    ) || trimPhrase(message)
  );
}

// --- time

const TIME = /\bwhat\s+time\b|\bwhat(?:'s|\s+is)\s+the\s+(?:current\s+|local\s+)?time\b|\bcurrent\s+time\b|\b(?:the|local)\s+time\s+(?:is\s+it\s+|now\s+)?in\b/i;
/** "time in Tokyo" counts only when a place or zone the model knows follows ("time in meetings" doesn't). */
const TIME_IN = /\btime\s+(?:is\s+it\s+|now\s+)?in\s+(.+)/i;

function askedTimeZone(message: string): string | undefined {
  const place = TIME_IN.exec(message)?.[1];
  const knownPlace = place !== undefined && (timeZoneIn(place) !== "UTC" || /^(?:utc|gmt)\b/i.test(place));
  return TIME.test(message) || knownPlace ? timeZoneIn(message) : undefined;
}

// --- memory

const REMEMBER = /\b(?:remember|memori[sz]e|don'?t\s+forget|note\s+down)(?:\s+that\b|\s*:)\s*(.+)/is;

function rememberedFact(message: string): string | undefined {
  const found = REMEMBER.exec(message);
  const fact = found?.[1] ? trimPhrase(found[1]) : "";
  return fact === "" ? undefined : fact;
}

// --- knowledge search

const SEARCH =
  /\b(?:search(?:\s+(?:the|my|our|your))?(?:\s+(?:knowledge(?:\s+base)?|kb|docs|documents|documentation|notes|files))?(?:\s+(?:for|about))?|look\s+up|what\s+do\s+(?:you|we)\s+know\s+about|find\s+(?:information|info|docs|documents|anything)\s+(?:about|on))\s+(.+)/is;

function searchQuery(message: string): string | undefined {
  const found = SEARCH.exec(message);
  const query = found?.[1] ? trimPhrase(found[1]) : "";
  return query === "" ? undefined : query;
}

// ---------------------------------------------------------------------------
// Text answers

export type ReplyIntent =
  | { kind: "empty" }
  | { kind: "markdown-sample" }
  /** A finished background job's result to pass on. */
  | { kind: "job-result"; label: string; result: string }
  /** A background job's request for a summary of some material. */
  | { kind: "job-work"; task: string; material: string }
  | { kind: "greeting" }
  /** Anything else: answered from retrieved knowledge if there is some, else with what the offline model can do. */
  | { kind: "other" };

const GREETING = /^(?:hi|hello|hey|hiya|good\s+(?:morning|afternoon|evening))\b/i;

export function readReplyIntent(message: string): ReplyIntent {
  if (message === "") return { kind: "empty" };
  if (MARKDOWN_SAMPLE_REQUEST.test(message)) return { kind: "markdown-sample" };
  if (message.startsWith(JOB_RESULT_PREFIX)) return { kind: "job-result", label: JOB_LABEL.exec(message)?.[1] ?? "", result: jobResultText(message) };
  const jobWork = JOB_WORK.exec(message);
  if (jobWork) return { kind: "job-work", task: jobWork[1]?.trim() ?? "", material: jobWork[2]?.trim() ?? "" };
  if (GREETING.test(message)) return { kind: "greeting" };
  return { kind: "other" };
}

/** The part of a follow-up prompt between "Its result:" and the closing instruction. */
function jobResultText(message: string): string {
  const start = message.indexOf("Its result:");
  if (start < 0) return "";
  const rest = message.slice(start + "Its result:".length);
  const end = rest.lastIndexOf("\n\nContinue the conversation");
  return (end < 0 ? rest : rest.slice(0, end)).trim();
}
