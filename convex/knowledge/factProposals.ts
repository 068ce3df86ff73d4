/**
 * Proposing facts from one turn of conversation, and screening them.
 *
 * A proposal comes from the agent's own model as structured output (the JSON
 * schema below; one `generateObject` call, its usage returned so the caller
 * charges it to the budgets), or, for the offline model, from the
 * deterministic reader in convex/models/offline/facts.ts. Screening then
 * drops what must not be kept: sensitive categories (health, credentials,
 * payment data) unless the user asked explicitly, and facts about the
 * account from someone who may not write account knowledge (kept as the
 * user's own instead).
 */
import type { JSONSchema7 } from "@ai-sdk/provider";
import { generateObject, jsonSchema, type LanguageModel } from "ai";
import { offlineFacts } from "../models/offline";

export type ProposedFact = {
  about: "user" | "account";
  subject: string;
  predicate: string;
  value: string;
  category: string;
  /** The user asked for it to be remembered. */
  explicit: boolean;
};

export type Proposal = { facts: ProposedFact[]; usage: { inputTokens: number; outputTokens: number } };

/** Facts proposed from one message at most. */
export const MAX_FACTS_PER_TURN = 5;
/** Output tokens an extraction call may use: its cost is bounded before it runs. */
export const EXTRACTION_MAX_OUTPUT_TOKENS = 400;

export const SENSITIVE_CATEGORIES = ["health", "credentials", "payment"] as const;

const FACT_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["facts"],
  properties: {
    facts: {
      type: "array",
      maxItems: MAX_FACTS_PER_TURN,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["about", "subject", "predicate", "value", "category", "explicit"],
        properties: {
          about: { type: "string", enum: ["user", "account"], description: "Whom the fact is about: the user, or their whole team/account." },
          subject: { type: "string", description: "What the fact is about, e.g. “the user” or “the account's fiscal year”." },
          predicate: { type: "string", description: "The relation, e.g. “lives in”, “prefers”, “starts”." },
          value: { type: "string", description: "The value, e.g. “Lisbon”." },
          category: { type: "string", description: "general, preference, personal, work, health, credentials or payment." },
          explicit: { type: "boolean", description: "True only when the user asked for this to be remembered." },
        },
      },
    },
  },
} satisfies JSONSchema7;

const INSTRUCTIONS = [
  "You extract durable facts worth remembering about the user or their account from the user's latest message.",
  "Only facts stated by the user that stay true for weeks or longer (name, home, job, preferences, diet, team conventions).",
  "Never facts about the assistant, one-off requests, questions, or guesses.",
  "Categorise health, medical, credentials (passwords, keys, PINs) and payment data (card or bank numbers) as health, credentials or payment.",
  "Return an empty list when there is nothing durable.",
  // Providers that take no JSON schema in the request (OpenAI-compatible without structured outputs) still see its shape here.
  'Answer with JSON only: {"facts": [{"about": "user" | "account", "subject": string, "predicate": string, "value": string, "category": string, "explicit": boolean}]}.',
].join(" ");

/**
 * Whether a message could state a durable fact about its speaker or their
 * team at all (it speaks of I / my / we / our, or asks to remember). Others
 * ("explain what a journal is") cost no extraction call.
 */
export function mayStateFacts(message: string): boolean {
  return /\b(i|i'm|i've|im|me|my|mine|we|we're|our|ours|us|remember)\b/i.test(message);
}

/** Facts the agent's model proposes for `message` (structured output; throws on a provider failure). */
export async function modelFacts(model: LanguageModel, message: string): Promise<Proposal> {
  const result = await generateObject({
    model,
    schema: jsonSchema<{ facts: ProposedFact[] }>(FACT_SCHEMA),
    schemaName: "durable_facts",
    system: INSTRUCTIONS,
    prompt: message,
    maxOutputTokens: EXTRACTION_MAX_OUTPUT_TOKENS,
    maxRetries: 0,
  });
  return {
    facts: result.object.facts.slice(0, MAX_FACTS_PER_TURN),
    usage: { inputTokens: result.usage.inputTokens ?? 0, outputTokens: result.usage.outputTokens ?? 0 },
  };
}

/** The offline model's proposal: deterministic, free. */
export function offlineProposal(message: string): Proposal {
  const facts = offlineFacts(message, MAX_FACTS_PER_TURN).map((fact) => ({ ...fact, category: categoryOf(`${fact.subject} ${fact.value}`) }));
  return { facts, usage: { inputTokens: 0, outputTokens: 0 } };
}

const SENSITIVE_WORDS: { category: (typeof SENSITIVE_CATEGORIES)[number]; pattern: RegExp }[] = [
  { category: "credentials", pattern: /\b(password|passcode|pin|api[ -]?key|token|secret|login|2fa|otp)\b/i },
  { category: "payment", pattern: /\b(credit card|debit card|card number|cvv|cvc|iban|bank account|account number|sort code|\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4})\b/i },
  { category: "health", pattern: /\b(diagnos\w*|diabet\w*|cancer|depress\w*|anxiety|pregnan\w*|medication|prescri\w*|allerg\w*|illness|disease|hiv|therapy|blood pressure|asthma|adhd)\b/i },
];

/** The category of a fact's text: a sensitive one when its words say so, else general. */
export function categoryOf(text: string): string {
  return SENSITIVE_WORDS.find(({ pattern }) => pattern.test(text))?.category ?? "general";
}

export type Screened = { fact: ProposedFact; scope: "user" | "account" } | { fact: ProposedFact; dropped: string };

/**
 * What may be kept of a proposal: sensitive facts only when explicit (the
 * text is checked too, whatever category the model chose); account facts
 * only from members who may write account knowledge (others keep them as
 * their own).
 */
export function screenFacts(facts: readonly ProposedFact[], caller: { mayWriteAccount: boolean }): Screened[] {
  return facts.map((fact) => {
    const category = SENSITIVE_CATEGORIES.find((c) => c === fact.category.toLowerCase()) ?? categoryOf(`${fact.subject} ${fact.predicate} ${fact.value}`);
    const screened = { ...fact, category: category === "general" ? fact.category.toLowerCase() || "general" : category };
    if ((SENSITIVE_CATEGORIES as readonly string[]).includes(category) && !fact.explicit) {
      return { fact: screened, dropped: `${category} details are kept only when you ask` };
    }
    if (fact.subject.trim() === "") return { fact: screened, dropped: "empty" };
    return { fact: screened, scope: fact.about === "account" && caller.mayWriteAccount ? "account" : "user" };
  });
}
