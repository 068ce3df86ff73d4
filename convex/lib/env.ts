/**
 * The only module of the app that reads `process.env`. Components never read
 * the environment; values they need are passed in as arguments.
 */
function read(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

export const env = {
  /** Shared secret for trusted service callers (CLI scripts, webhooks relays). Unset = service calls refused. */
  serviceSecret: () => read("HARNESS_SERVICE_SECRET"),
  /** Clerk issuer, also read by `auth.config.ts`. */
  clerkIssuerDomain: () => read("CLERK_JWT_ISSUER_DOMAIN"),
  /** OpenAI-compatible endpoint (OpenAI, OpenRouter, Ollama...). */
  openAiCompatibleBaseUrl: () => read("OPENAI_COMPATIBLE_BASE_URL"),
  openAiCompatibleApiKey: () => read("OPENAI_COMPATIBLE_API_KEY"),
  anthropicApiKey: () => read("ANTHROPIC_API_KEY"),
  /** Embedding model on the OpenAI-compatible endpoint (e.g. text-embedding-3-small). Unset = offline hashing embeddings. */
  embeddingModelId: () => read("HARNESS_EMBEDDING_MODEL"),
  /** Vector length of that embedding model, when it isn't one the harness knows. */
  embeddingDimension: () => read("HARNESS_EMBEDDING_DIMENSION"),
  /** Model used when an agent names none. */
  defaultModelId: () => read("HARNESS_DEFAULT_MODEL"),
  /** Pause between the offline model's streamed chunks, so a demo shows text growing. Default 0. */
  offlineModelChunkDelayMs: () => {
    const value = Number(read("HARNESS_OFFLINE_MODEL_DELAY_MS") ?? "0");
    return Number.isFinite(value) && value > 0 ? Math.min(value, 2_000) : 0;
  },
};
