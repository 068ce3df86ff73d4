/**
 * What a model costs, per model id, and the cost of one call's usage.
 *
 * Prices are the providers' published LIST prices in USD per million tokens
 * (as of 2025; no volume discounts, batch rates or long-context surcharges).
 * Update them here when a provider changes its price list. `cachedInput` is
 * the price of input tokens read from the prompt cache.
 */
import { modelPriceOverride } from "../lib/faults";

/** Same as `OFFLINE_MODEL_ID` in offline/model.ts; spelled here so this module stays dependency-free. */
const OFFLINE_MODEL_ID = "offline";

export type ModelPrice = {
  /** USD per million input tokens not read from cache. */
  input: number;
  /** USD per million output tokens. */
  output: number;
  /** USD per million input tokens read from the prompt cache. */
  cachedInput: number;
};

/** Keyed by canonical id `<vendor>/<model>`; `offline` is free. */
export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  [OFFLINE_MODEL_ID]: { input: 0, output: 0, cachedInput: 0 },
  // OpenAI list prices.
  "openai/gpt-4o-mini": { input: 0.15, output: 0.6, cachedInput: 0.075 },
  "openai/gpt-4o": { input: 2.5, output: 10, cachedInput: 1.25 },
  "openai/gpt-4.1": { input: 2, output: 8, cachedInput: 0.5 },
  "openai/gpt-4.1-mini": { input: 0.4, output: 1.6, cachedInput: 0.1 },
  "openai/gpt-4.1-nano": { input: 0.1, output: 0.4, cachedInput: 0.025 },
  "openai/o4-mini": { input: 1.1, output: 4.4, cachedInput: 0.275 },
  "openai/gpt-5": { input: 1.25, output: 10, cachedInput: 0.125 },
  "openai/gpt-5-mini": { input: 0.25, output: 2, cachedInput: 0.025 },
  "openai/gpt-5-nano": { input: 0.05, output: 0.4, cachedInput: 0.005 },
  // Anthropic list prices (cachedInput = cache read; cache writes are billed as input here).
  "anthropic/claude-opus-4": { input: 15, output: 75, cachedInput: 1.5 },
  "anthropic/claude-opus-4-1": { input: 15, output: 75, cachedInput: 1.5 },
  "anthropic/claude-sonnet-4": { input: 3, output: 15, cachedInput: 0.3 },
  "anthropic/claude-sonnet-4-5": { input: 3, output: 15, cachedInput: 0.3 },
  "anthropic/claude-3-7-sonnet": { input: 3, output: 15, cachedInput: 0.3 },
  "anthropic/claude-haiku-4-5": { input: 1, output: 5, cachedInput: 0.1 },
  "anthropic/claude-haiku-3.5": { input: 0.8, output: 4, cachedInput: 0.08 },
};

/** Other spellings of the same models (Anthropic API names, OpenRouter names). */
const ALIASES: Readonly<Record<string, string>> = {
  "anthropic/claude-3-5-haiku": "anthropic/claude-haiku-3.5",
  "anthropic/claude-3.5-haiku": "anthropic/claude-haiku-3.5",
  "anthropic/claude-sonnet-4-0": "anthropic/claude-sonnet-4",
  "anthropic/claude-opus-4-0": "anthropic/claude-opus-4",
  "anthropic/claude-sonnet-4.5": "anthropic/claude-sonnet-4-5",
  "anthropic/claude-haiku-4.5": "anthropic/claude-haiku-4-5",
  "anthropic/claude-opus-4.1": "anthropic/claude-opus-4-1",
  "anthropic/claude-3.7-sonnet": "anthropic/claude-3-7-sonnet",
};

/**
 * The canonical price-table id for a model id as the registry spells it:
 * `openai-compatible/gpt-4o-mini` → `openai/gpt-4o-mini`,
 * `openai-compatible/openai/gpt-4o-mini` (OpenRouter) → `openai/gpt-4o-mini`,
 * `anthropic/claude-sonnet-4-20250514` → `anthropic/claude-sonnet-4`,
 * `@my-openrouter/openai/gpt-4o-mini` (an account's connection) → `openai/gpt-4o-mini`.
 */
export function priceTableId(modelId: string): string {
  let id = modelId.trim().toLowerCase().replace(/^openai-compatible\//, "").replace(/^@[a-z0-9-]+\//, "");
  if (id === OFFLINE_MODEL_ID) return id;
  if (!id.includes("/")) id = id.startsWith("claude") ? `anthropic/${id}` : `openai/${id}`;
  id = id.replace(/-(?:\d{8}|\d{4}-\d{2}-\d{2}|latest)$/, "");
  return ALIASES[id] ?? id;
}

export function priceOf(modelId: string): ModelPrice | undefined {
  return modelPriceOverride(modelId) ?? MODEL_PRICES[priceTableId(modelId)];
}

export type TokenUsage = {
  /** All input tokens, including those read from cache. */
  inputTokens: number;
  outputTokens: number;
  /** The part of `inputTokens` read from the prompt cache. */
  cachedInputTokens?: number;
};

function count(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Cost of one call in micro-USD (an integer). A model the table doesn't know
 * costs 0 with `priced: false`, so callers can flag unpriced spend.
 */
export function costOfUsage(modelId: string, usage: TokenUsage): { microUsd: number; priced: boolean } {
  const price = priceOf(modelId);
  if (!price) return { microUsd: 0, priced: false };
  const input = count(usage.inputTokens);
  const cached = Math.min(count(usage.cachedInputTokens), input);
  // USD per million tokens = micro-USD per token.
  const microUsd = (input - cached) * price.input + cached * price.cachedInput + count(usage.outputTokens) * price.output;
  return { microUsd: Math.round(microUsd), priced: true };
}
