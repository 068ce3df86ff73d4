/**
 * The triage tier: a deterministic parser that answers what it is sure of
 * before any model is called. Everything it is not sure of goes to the model.
 */
export type TriageResult =
  | { intent: "greeting"; confidence: number; reply: string }
  | { intent: "current_time"; confidence: number; reply: string }
  | { intent: "remember"; confidence: number; fact: string }
  | { intent: "none"; confidence: number };

/** Below this, triage never answers on its own. */
export const TRIAGE_THRESHOLD = 0.9;

const GREETING = /^(hi|hello|hey|hiya|good (morning|afternoon|evening)|bonjour|hallo|hola)[\s!.,]*(there)?[\s!.]*$/i;
const TIME = /^(what(?:'s| is) the time|what time is it)(?: now)?\s*\??$/i;
const REMEMBER = /^remember that\s+(.+)$/i;

export function triage(text: string, now: Date = new Date()): TriageResult {
  const message = text.trim();
  if (GREETING.test(message)) {
    return { intent: "greeting", confidence: 0.97, reply: "Hello! What can I do for you?" };
  }
  if (TIME.test(message)) {
    const time = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", dateStyle: "full", timeStyle: "short" }).format(now);
    return { intent: "current_time", confidence: 0.95, reply: `It is ${time} (UTC).` };
  }
  const remember = REMEMBER.exec(message);
  if (remember?.[1]) {
    // Recognised, but answered by the model (with the memory tool) until knowledge exists.
    return { intent: "remember", confidence: 0.9, fact: remember[1] };
  }
  return { intent: "none", confidence: 0 };
}

/** Whether triage answers this message itself. */
export function answersDirectly(result: TriageResult): result is Extract<TriageResult, { reply: string }> {
  return "reply" in result && result.confidence >= TRIAGE_THRESHOLD;
}
