/**
 * Replies must not read as broken: for a table of varied prompts, the
 * offline model's text never repeats the user's words back (beyond the
 * words its own fixed sentences use), and every fallback names Settings.
 */
import { describe, expect, test } from "vitest";
import type { LanguageModelV4FunctionTool } from "@ai-sdk/provider";
import { STOP_WORDS, words } from "../text";
import { ASSISTANT_TOOLS, fnTool, replyTo } from "./testkit.testing";

const PROMPTS = [
  "Can you explain how durable workflows recover after a crash?",
  "Tell me about planning a small garden with tomatoes, basil and peppers.",
  "Summarise our quarterly revenue figures for the board meeting",
  "Why is the sky blue during the day but red at sunset?",
  "Draft a polite email declining the vendor's proposal",
  "Translate 'good evening' into Portuguese",
  "what's 17 multiplied by 23",
  "I feel stuck on my thesis chapter about migration patterns",
  "Explain tides to me in detail",
  "Suggest a name for a tomato variety",
  "Describe how budgets are reserved before spending",
  "How do refunds work for international customers?",
  "Write a haiku about lighthouses",
  "Is it better to rent or buy an apartment in a volatile market?",
  "Compare Kubernetes and Nomad for a three-person startup",
  "ok",
  "Hey, can you help me organise my reading list?",
  "Good morning! Plan my week around the conference deadlines",
];

const TOOL_SETS: Record<string, LanguageModelV4FunctionTool[]> = {
  "no tools": [],
  "the assistant's tools": ASSISTANT_TOOLS,
  "a note tool only": [fnTool("save_note", ["text"])],
};

/** The reply to a prompt with nothing in it: the fixed sentences any prompt gets with these tools. */
function fixedText(tools: LanguageModelV4FunctionTool[]): string {
  return replyTo("zzz", tools);
}

function contentWords(text: string): string[] {
  return words(text).filter((word) => word.length > 3 && !STOP_WORDS.has(word));
}

function phrases(text: string, size: number): Set<string> {
  const all = words(text);
  return new Set(all.slice(0, Math.max(0, all.length - size + 1)).map((_, index) => all.slice(index, index + size).join(" ")));
}

/** The prompt's content words and three-word phrases found in the reply, beyond those of the fixed sentences. */
function echoed(prompt: string, reply: string, fixed: string): string[] {
  const replyWords = new Set(words(reply));
  const fixedWords = new Set(words(fixed));
  const replyPhrases = phrases(reply, 3);
  const fixedPhrases = phrases(fixed, 3);
  return [
    ...contentWords(prompt).filter((word) => replyWords.has(word) && !fixedWords.has(word)),
    ...[...phrases(prompt, 3)].filter((phrase) => replyPhrases.has(phrase) && !fixedPhrases.has(phrase)),
  ];
}

describe.each(Object.entries(TOOL_SETS))("with %s", (_, tools) => {
  const fixed = fixedText(tools);

  test.each(PROMPTS)("“%s” is not echoed; the reply says it is the offline model and names Settings", (prompt) => {
    const reply = replyTo(prompt, tools);
    expect(reply).toContain("built-in offline model");
    expect(reply).toContain("Settings → Models");
    expect(echoed(prompt, reply, fixed)).toEqual([]);
  });
});

test("the check catches an echo like the old replies' (“Sure — here is my take on …”)", () => {
  const prompt = "Tell me about planning a small garden";
  const old = `Sure — here is my take on “${prompt}”. ${fixedText([])}`;
  expect(echoed(prompt, old, fixedText([]))).toEqual(["planning", "small", "garden", "me about planning", "about planning a", "planning a small", "a small garden"]);
});
