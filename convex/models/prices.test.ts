import { describe, expect, test } from "vitest";
import { costOfUsage, priceOf, priceTableId } from "./prices";

describe("prices", () => {
  test("1M input + 1M output tokens of a known model cost its list price", () => {
    expect(costOfUsage("openai/gpt-4o-mini", { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toEqual({ microUsd: 750_000, priced: true });
    expect(costOfUsage("anthropic/claude-sonnet-4", { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toEqual({ microUsd: 18_000_000, priced: true });
  });

  test("cached input tokens are billed at the cached price", () => {
    // 1M input of which 400k cached: 600k × 2.0 + 400k × 0.5 = 1.4 USD.
    expect(costOfUsage("openai/gpt-4.1", { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 400_000 })).toEqual({
      microUsd: 1_400_000,
      priced: true,
    });
  });

  test("registry spellings map to the table; the offline model is free", () => {
    expect(priceTableId("openai-compatible/gpt-4o-mini")).toBe("openai/gpt-4o-mini");
    expect(priceTableId("openai-compatible/openai/gpt-4o-mini")).toBe("openai/gpt-4o-mini");
    expect(priceTableId("anthropic/claude-sonnet-4-20250514")).toBe("anthropic/claude-sonnet-4");
    expect(priceTableId("anthropic/claude-3-5-haiku-latest")).toBe("anthropic/claude-haiku-3.5");
    expect(priceOf("gpt-4o-mini")?.input).toBe(0.15);
    expect(costOfUsage("offline", { inputTokens: 123_456, outputTokens: 7_890 })).toEqual({ microUsd: 0, priced: true });
  });

  test("an unknown model is unpriced and costs 0", () => {
    expect(costOfUsage("openai-compatible/llama3.2:3b", { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toEqual({ microUsd: 0, priced: false });
  });

  test("the cost is an integer, and nonsense counts cost nothing", () => {
    const { microUsd } = costOfUsage("openai/gpt-4o-mini", { inputTokens: 7, outputTokens: 3 });
    expect(Number.isInteger(microUsd)).toBe(true);
    expect(costOfUsage("openai/gpt-4o-mini", { inputTokens: -5, outputTokens: Number.NaN })).toEqual({ microUsd: 0, priced: true });
  });
});
