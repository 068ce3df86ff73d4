import { afterEach, describe, expect, test, vi } from "vitest";
import { errorCode } from "../lib/errors";
import { availableModels, defaultModelId, OFFLINE_LABEL, resolveModel } from "./registry";

const ENV = ["OPENAI_COMPATIBLE_BASE_URL", "OPENAI_COMPATIBLE_API_KEY", "ANTHROPIC_API_KEY", "HARNESS_DEFAULT_MODEL"];

function noProviders() {
  for (const name of ENV) vi.stubEnv(name, "");
}

function codeOfThrown(run: () => unknown) {
  try {
    run();
  } catch (error) {
    return errorCode(error);
  }
  return "no error";
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("registry", () => {
  test("with no environment the default is the offline model", () => {
    noProviders();
    expect(defaultModelId()).toBe("offline");
    const resolved = resolveModel(undefined);
    expect(resolved).toMatchObject({ modelId: "offline", provider: "offline", label: OFFLINE_LABEL });
    expect(resolved.model.specificationVersion).toBe("v4");
    expect(resolved.model.provider).toBe("offline");
    expect(availableModels()).toEqual([{ modelId: "offline", provider: "offline", label: OFFLINE_LABEL, isDefault: true, priced: true }]);
  });

  test("a malformed id or a provider that isn't configured → bad_request", () => {
    noProviders();
    expect(codeOfThrown(() => resolveModel("anthropic/claude-sonnet-4"))).toBe("bad_request");
    expect(codeOfThrown(() => resolveModel("openai-compatible/gpt-4o-mini"))).toBe("bad_request");
    expect(codeOfThrown(() => resolveModel("gpt-4o-mini"))).toBe("bad_request");
    expect(codeOfThrown(() => resolveModel("anthropic/"))).toBe("bad_request");
    expect(codeOfThrown(() => resolveModel("has spaces"))).toBe("bad_request");
    expect(codeOfThrown(() => resolveModel("offline/fast"))).toBe("bad_request");
  });

  test("configured providers resolve, with canonical ids and labels", () => {
    noProviders();
    vi.stubEnv("OPENAI_COMPATIBLE_BASE_URL", "https://openrouter.ai/api/v1");
    vi.stubEnv("OPENAI_COMPATIBLE_API_KEY", "test-key");
    vi.stubEnv("ANTHROPIC_API_KEY", "test-key");
    vi.stubEnv("HARNESS_DEFAULT_MODEL", "openai/gpt-4o-mini");

    const bare = resolveModel("gpt-4o-mini");
    expect(bare).toMatchObject({ modelId: "openai-compatible/gpt-4o-mini", provider: "openai-compatible", label: "gpt-4o-mini via openrouter.ai" });
    expect(bare.model.modelId).toBe("gpt-4o-mini");

    const claude = resolveModel("anthropic/claude-sonnet-4-5");
    expect(claude).toMatchObject({ modelId: "anthropic/claude-sonnet-4-5", provider: "anthropic", label: "claude-sonnet-4-5 via Anthropic" });
    expect(claude.model.modelId).toBe("claude-sonnet-4-5");

    const byDefault = resolveModel(undefined);
    expect(byDefault.modelId).toBe("openai-compatible/openai/gpt-4o-mini");
    expect(resolveModel("offline").provider).toBe("offline");

    const models = availableModels();
    expect(models[0]?.modelId).toBe("offline");
    expect(models.filter((model) => model.isDefault).map((model) => model.modelId)).toEqual(["openai-compatible/openai/gpt-4o-mini"]);
    expect(models.some((model) => model.provider === "anthropic")).toBe(true);
  });
});
