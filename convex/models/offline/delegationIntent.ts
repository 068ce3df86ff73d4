/**
 * "Ask the researcher to …", "have the writer …", "delegate to <name>: …",
 * "@name …": which of the agents that can be asked are asked, in the order
 * the message names them, and what each is asked to do.
 */
import { escapeRegExp } from "../text";
import { trimPhrase } from "./phrase";

export type Delegation = { agent: string; task: string };

type Mention = { agent: string; start: number; end: number };

const VERB = /\b(?:ask|have|delegate|tell|get|let|hand|send)\b/i;

/** `agents` as tool names spell them (`research_lead`); a message may write "research lead" or "research-lead". */
export function readDelegations(message: string, agents: readonly string[]): Delegation[] {
  const mentions: Mention[] = [];
  for (const agent of agents) {
    if (agent === "") continue;
    const aliases = [...new Set([agent.replace(/_/g, " "), agent.replace(/_/g, "-"), agent])];
    // Not a possessive ("the writer's draft" is about the writer, not for them).
    const pattern = new RegExp(`(@)?(?<![\\w-])(?:${aliases.map(escapeRegExp).join("|")})(?![\\w-]|['’]s\\b)`, "i");
    const found = pattern.exec(message);
    // A delegation verb before the name ("ask the researcher", "delegate X to the researcher"), or "@researcher".
    if (!found || (found[1] !== "@" && !VERB.test(message.slice(0, found.index)))) continue;
    mentions.push({ agent, start: found.index, end: found.index + found[0].length });
  }
  mentions.sort((a, b) => a.start - b.start);
  return mentions.map((mention, index) => {
    const next = mentions[index + 1];
    return { agent: mention.agent, task: delegatedTask(message, mention, next?.start ?? message.length) || trimPhrase(message) };
  });
}

function delegatedTask(message: string, mention: Mention, stop: number): string {
  let segment = message.slice(mention.end, stop);
  // Trailing glue before the next agent: ", then ask the", " and the", " and have".
  for (let previous = ""; previous !== segment; ) {
    previous = segment;
    segment = segment
      .replace(/[\s,;.]+$/, "")
      .replace(/\b(?:the|and|then|also|plus|while)$/i, "")
      .replace(/\b(?:ask|have|tell|get|let|delegate(?:\s+to)?|send)$/i, "");
  }
  const task = trimPhrase(segment.replace(/^\s*[:,\-–—]?\s*(?:to\s+|and\s+)?/i, ""));
  if (task !== "") return task;
  // "delegate <task> to the researcher"
  const before = message.slice(0, mention.start);
  const ahead = /\b(?:delegate|send|hand|give)\s+(.+?)\s+to\s+(?:the\s+)?@?$/i.exec(before);
  return ahead?.[1] ? trimPhrase(ahead[1]) : "";
}
