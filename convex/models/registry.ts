/**
 * Model ids → usable language models. The environment (read only through
 * `env`) decides which providers exist; with none configured everything runs
 * on the offline model.
 *
 * Model ids:
 *   `offline`                   the built-in offline model (always available)
 *   `openai-compatible/<model>` the OpenAI-compatible endpoint (OpenAI, OpenRouter, Ollama...)
 *   `anthropic/<model>`         Anthropic
 *   `<model>` (bare, or with another vendor prefix such as OpenRouter's `openai/gpt-4o-mini`)
 *                               the OpenAI-compatible endpoint when configured; a bare `claude-*`
 *                               id goes to Anthropic when only Anthropic is configured.
 *                               (OpenRouter's `anthropic/...` ids must be written
 *                               `openai-compatible/anthropic/...`: `anthropic/` always means Anthropic.)
 *   `@<connection>/<model>`     a provider connection an account admin added in Settings → Models
 *                               (convex/models/connections.ts); the caller loads it and passes it in.
 */
import type { LanguageModelV4 } from "@ai-sdk/provider";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { env } from "../lib/env";
import { fail } from "../lib/errors";
import { offlineModelOverride } from "../lib/faults";
import { OFFLINE_MODEL_ID, offlineModel } from "./offline";
import { priceOf } from "./prices";

export type ModelProvider = "offline" | "openai-compatible" | "anthropic";

/** A provider connection of an account, with its key: only ever built server-side, never sent to a client. */
export type ConnectionConfig = {
  slug: string;
  /** Shown in labels, e.g. "OpenRouter". */
  name: string;
  kind: "openai-compatible" | "anthropic";
  /** The API root, e.g. `https://api.openai.com/v1`; for Anthropic optional (default `https://api.anthropic.com/v1`). */
  baseUrl?: string;
  apiKey?: string;
};

const CONNECTION_MODEL_ID = /^@([a-z0-9][a-z0-9-]{0,39})\/(.+)$/;

/** `@<connection slug>/<model>` → its parts; undefined for every other kind of id. */
export function parseConnectionModelId(modelId: string): { slug: string; name: string } | undefined {
  const match = CONNECTION_MODEL_ID.exec(modelId.trim());
  if (!match || !MODEL_NAME.test(match[2]!)) return undefined;
  return { slug: match[1]!, name: match[2]! };
}

export function connectionModelId(slug: string, name: string): string {
  return `@${slug}/${name}`;
}

export type ResolvedModel = {
  model: LanguageModelV4;
  /** Canonical id: `offline`, `openai-compatible/<model>` or `anthropic/<model>`. Store this one. */
  modelId: string;
  provider: ModelProvider;
  /** Shown in the UI, e.g. "Offline model (built-in)" or "claude-sonnet-4 via Anthropic". */
  label: string;
};

export const OFFLINE_LABEL = "Offline model (built-in)";

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:@+-]*(?:\/[A-Za-z0-9][A-Za-z0-9._:@+-]*)*$/;

/** The model used when an agent names none: `HARNESS_DEFAULT_MODEL`, else the offline model. */
export function defaultModelId(): string {
  return env.defaultModelId() ?? OFFLINE_MODEL_ID;
}

function openAiCompatibleHost(): string | undefined {
  const baseUrl = env.openAiCompatibleBaseUrl();
  if (baseUrl === undefined) return undefined;
  try {
    return new URL(baseUrl).host;
  } catch {
    return undefined;
  }
}

/** Split a model id into provider and provider-side model name, or refuse it. */
function parse(modelId: string): { provider: ModelProvider; name: string } {
  const id = modelId.trim();
  if (id === OFFLINE_MODEL_ID) return { provider: "offline", name: OFFLINE_MODEL_ID };
  if (id === "" || !MODEL_NAME.test(id)) {
    fail("bad_request", `“${modelId}” is not a model id. Use "offline", "openai-compatible/<model>" or "anthropic/<model>".`);
  }
  const slash = id.indexOf("/");
  const prefix = slash < 0 ? "" : id.slice(0, slash);
  const rest = slash < 0 ? id : id.slice(slash + 1);
  if (prefix === "openai-compatible") {
    if (env.openAiCompatibleBaseUrl() === undefined) {
      fail("bad_request", `No provider serves the model id “${modelId}”: this deployment has no OpenAI-compatible endpoint (OPENAI_COMPATIBLE_BASE_URL).`);
    }
    return { provider: "openai-compatible", name: rest };
  }
  if (prefix === "anthropic") {
    if (env.anthropicApiKey() === undefined) {
      fail("bad_request", `No provider serves the model id “${modelId}”: this deployment has no Anthropic key (ANTHROPIC_API_KEY).`);
    }
    return { provider: "anthropic", name: rest };
  }
  if (prefix === OFFLINE_MODEL_ID) {
    fail("bad_request", `“${modelId}” is not a model id; the offline model is just "offline".`);
  }
  // Bare ids, and vendor-prefixed ids the endpoint understands (OpenRouter's `openai/gpt-4o-mini`).
  if (slash < 0 && id.startsWith("claude") && env.anthropicApiKey() !== undefined && env.openAiCompatibleBaseUrl() === undefined) {
    return { provider: "anthropic", name: id };
  }
  if (env.openAiCompatibleBaseUrl() !== undefined) return { provider: "openai-compatible", name: id };
  fail(
    "bad_request",
    `No provider serves the model id “${modelId}”. Configured: ${configuredProviders().join(", ")}. Use "offline", "openai-compatible/<model>" or "anthropic/<model>".`,
  );
}

function configuredProviders(): ModelProvider[] {
  const providers: ModelProvider[] = ["offline"];
  if (env.openAiCompatibleBaseUrl() !== undefined) providers.push("openai-compatible");
  if (env.anthropicApiKey() !== undefined) providers.push("anthropic");
  return providers;
}

function labelFor(provider: ModelProvider, name: string): string {
  switch (provider) {
    case "offline":
      return OFFLINE_LABEL;
    case "anthropic":
      return `${name} via Anthropic`;
    case "openai-compatible": {
      const host = openAiCompatibleHost();
      return host ? `${name} via ${host}` : `${name} via OpenAI-compatible endpoint`;
    }
  }
}

function canonicalId(provider: ModelProvider, name: string): string {
  return provider === "offline" ? OFFLINE_MODEL_ID : `${provider}/${name}`;
}

/**
 * A usable model for `modelId` (the default model when undefined). Throws
 * `bad_request` for a malformed id or one no configured provider serves.
 */
export function resolveModel(modelId: string | undefined, options: { connection?: ConnectionConfig } = {}): ResolvedModel {
  const id = modelId === undefined || modelId.trim() === "" ? defaultModelId() : modelId;
  if (id.trim().startsWith("@")) return resolveConnectionModel(id, options.connection);
  const { provider, name } = parse(id);
  const resolved = { modelId: canonicalId(provider, name), provider, label: labelFor(provider, name) };
  switch (provider) {
    case "offline":
      return {
        ...resolved,
        model: offlineModel({ chunkDelayMs: env.offlineModelChunkDelayMs(), ...offlineModelOverride() }),
      };
    case "anthropic":
      return { ...resolved, model: anthropicModel(name, { apiKey: env.anthropicApiKey(), baseUrl: env.anthropicBaseUrl() }) };
    case "openai-compatible":
      return { ...resolved, model: openAiCompatibleModel(name, { baseUrl: env.openAiCompatibleBaseUrl() ?? "", apiKey: env.openAiCompatibleApiKey() }) };
  }
}

function anthropicModel(name: string, options: { apiKey?: string; baseUrl?: string }): LanguageModelV4 {
  return createAnthropic({ apiKey: options.apiKey, ...(options.baseUrl ? { baseURL: options.baseUrl } : {}) }).languageModel(name);
}

function openAiCompatibleModel(name: string, options: { baseUrl: string; apiKey?: string }): LanguageModelV4 {
  const provider = createOpenAICompatible({
    name: "openai-compatible",
    baseURL: options.baseUrl,
    apiKey: options.apiKey,
    // Streaming responses report token usage only when asked to; budgets need it
    // (and when a server ignores the request, usage is estimated: tokenCount.ts).
    includeUsage: true,
  });
  return provider.chatModel(name);
}

function resolveConnectionModel(modelId: string, connection: ConnectionConfig | undefined): ResolvedModel {
  const parsed = parseConnectionModelId(modelId);
  if (parsed === undefined) {
    fail("bad_request", `“${modelId}” is not a model id. A connection's model is written "@<connection>/<model>".`);
  }
  if (connection === undefined || connection.slug !== parsed.slug) {
    fail("bad_request", `No model connection “${parsed.slug}” on this account (Settings → Models).`);
  }
  const canonical = connectionModelId(parsed.slug, parsed.name);
  const label = `${parsed.name} via ${connection.name}`;
  const model =
    connection.kind === "anthropic"
      ? anthropicModel(parsed.name, { apiKey: connection.apiKey, baseUrl: connection.baseUrl })
      : openAiCompatibleModel(parsed.name, { baseUrl: connection.baseUrl ?? "", apiKey: connection.apiKey });
  return { model, modelId: canonical, provider: connection.kind, label };
}

export type AvailableModel = {
  modelId: string;
  provider: ModelProvider;
  label: string;
  isDefault: boolean;
  /** Whether the price table knows this model (an unpriced model's spend is counted as 0). */
  priced: boolean;
};

/** Suggestions for providers whose catalogue is known; other endpoints list only the default. */
const SUGGESTED: Record<string, string[]> = {
  anthropic: ["anthropic/claude-sonnet-4-5", "anthropic/claude-haiku-4-5", "anthropic/claude-sonnet-4-0", "anthropic/claude-3-5-haiku-latest"],
  "api.openai.com": ["openai-compatible/gpt-4o-mini", "openai-compatible/gpt-4.1", "openai-compatible/gpt-4.1-mini", "openai-compatible/gpt-5-mini"],
  "openrouter.ai": ["openai-compatible/openai/gpt-4o-mini", "openai-compatible/openai/gpt-4.1", "openai-compatible/anthropic/claude-sonnet-4"],
};

/** What the model picker may offer on this deployment: the offline model, the default, and known models of configured providers. */
export function availableModels(): AvailableModel[] {
  const ids = [OFFLINE_MODEL_ID, defaultModelId()];
  if (env.anthropicApiKey() !== undefined) ids.push(...(SUGGESTED.anthropic ?? []));
  const host = openAiCompatibleHost();
  if (host !== undefined) ids.push(...(SUGGESTED[host] ?? []));

  const defaultId = safeCanonical(defaultModelId());
  const models: AvailableModel[] = [];
  for (const id of ids) {
    let parsed: { provider: ModelProvider; name: string };
    try {
      parsed = parse(id);
    } catch {
      continue; // a misconfigured default is reported by resolveModel, not listed
    }
    const modelId = canonicalId(parsed.provider, parsed.name);
    if (models.some((model) => model.modelId === modelId)) continue;
    models.push({
      modelId,
      provider: parsed.provider,
      label: labelFor(parsed.provider, parsed.name),
      isDefault: modelId === defaultId,
      priced: priceOf(modelId) !== undefined,
    });
  }
  return models;
}

function safeCanonical(modelId: string): string | undefined {
  try {
    const { provider, name } = parse(modelId);
    return canonicalId(provider, name);
  } catch {
    return undefined;
  }
}
