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
  /** Bearer token the scraper sends to `GET /metrics`. Unset = /metrics refuses every request. */
  metricsToken: () => read("HARNESS_METRICS_TOKEN"),
  /** Clerk issuer, also read by `auth.config.ts`. */
  clerkIssuerDomain: () => read("CLERK_JWT_ISSUER_DOMAIN"),
  /**
   * Signing secrets of the Clerk webhook endpoint (`whsec_...`), separated by
   * spaces or commas while one is being rotated. None = the webhook refuses everything.
   */
  clerkWebhookSecrets: (): string[] => (read("CLERK_WEBHOOK_SECRET") ?? "").split(/[\s,]+/).filter((s) => s !== ""),
  /** OpenAI-compatible endpoint (OpenAI, OpenRouter, Ollama...). */
  openAiCompatibleBaseUrl: () => read("OPENAI_COMPATIBLE_BASE_URL"),
  openAiCompatibleApiKey: () => read("OPENAI_COMPATIBLE_API_KEY"),
  anthropicApiKey: () => read("ANTHROPIC_API_KEY"),
  /** Anthropic API root (default https://api.anthropic.com/v1): a gateway or proxy in front of Anthropic. */
  anthropicBaseUrl: () => read("ANTHROPIC_BASE_URL"),
  /** Embedding model on the OpenAI-compatible endpoint (e.g. text-embedding-3-small). Unset = offline hashing embeddings. */
  embeddingModelId: () => read("HARNESS_EMBEDDING_MODEL"),
  /** Vector length of that embedding model, when it isn't one the harness knows. */
  embeddingDimension: () => read("HARNESS_EMBEDDING_DIMENSION"),
  /** Telegram Bot API root (default https://api.telegram.org): a self-hosted Bot API server, or a test double. */
  telegramApiRoot: () => read("TELEGRAM_API_ROOT"),
  /** Email: the domain of agents' addresses (`<agent>+<mailbox>@<domain>`), the one Postmark's inbound domain forwarding serves. */
  emailDomain: () => read("HARNESS_EMAIL_DOMAIN"),
  /** Email: password of the Postmark inbound webhook's basic auth (`https://postmark:<secret>@<site>/email/postmark/inbound`). Unset = inbound mail refused. */
  emailInboundSecret: () => read("HARNESS_EMAIL_INBOUND_SECRET"),
  /** Email out through Postmark: the server's API token. */
  postmarkServerToken: () => read("POSTMARK_SERVER_TOKEN"),
  /** Postmark API root (default https://api.postmarkapp.com): a proxy, or a test double. */
  postmarkApiUrl: () => read("POSTMARK_API_URL"),
  /** Email out through SMTP (when Postmark is not configured), e.g. smtps://user:pass@smtp.example.com:465. */
  smtpUrl: () => read("SMTP_URL"),
  /** This deployment's HTTP actions address (set by Convex; the local engine sets it too): where webhooks are registered. */
  siteUrl: () => read("CONVEX_SITE_URL"),
  /** Model used when an agent names none. */
  defaultModelId: () => read("HARNESS_DEFAULT_MODEL"),
  /** HTTP API: how long `POST /v1/channels/{id}/messages` waits for the answer before answering 202 (default 2500 ms, 0–10 s). */
  apiAnswerWaitMs: () => {
    const value = Number(read("HARNESS_API_WAIT_MS") ?? "2500");
    return Number.isFinite(value) ? Math.min(Math.max(Math.round(value), 0), 10_000) : 2_500;
  },
  /** Pause between the offline model's streamed chunks, so a demo shows text growing. Default 0. */
  offlineModelChunkDelayMs: () => {
    const value = Number(read("HARNESS_OFFLINE_MODEL_DELAY_MS") ?? "0");
    return Number.isFinite(value) && value > 0 ? Math.min(value, 2_000) : 0;
  },
  /** Model calls: attempts in all for a provider that is busy or failing (default 4, 1–8). */
  modelMaxAttempts: () => boundedInt(read("HARNESS_MODEL_MAX_ATTEMPTS"), 4, 1, 8),
  /** Model calls: wait before the second attempt, doubling after (default 2 s, 1 ms–60 s). */
  modelBackoffMs: () => boundedInt(read("HARNESS_MODEL_BACKOFF_MS"), 2_000, 1, 60_000),
  /** Model calls: the longest Retry-After honoured; longer fails the call (default 60 s). */
  modelMaxRetryAfterMs: () => boundedInt(read("HARNESS_MODEL_MAX_RETRY_AFTER_MS"), 60_000, 0, 600_000),
  /** Model calls: wait before the one retry of an endpoint that refuses connections or has no DNS name (default 2 s, so it fails within ~10 s). */
  modelUnreachableRetryMs: () => boundedInt(read("HARNESS_MODEL_UNREACHABLE_RETRY_MS"), 2_000, 0, 10_000),
  /** Model calls: a stream silent this long is abandoned and retried (default 30 s). */
  modelStallMs: () => boundedInt(read("HARNESS_MODEL_STALL_MS"), 30_000, 50, 300_000),
  /** Outbound webhooks: attempts per delivery (default 5, 1–10). */
  webhookMaxAttempts: () => boundedInt(read("HARNESS_WEBHOOK_MAX_ATTEMPTS"), 5, 1, 10),
  /** Outbound webhooks: wait before the first retry, doubling after (default 30 s, 10 ms–10 min). */
  webhookInitialBackoffMs: () => boundedInt(read("HARNESS_WEBHOOK_BACKOFF_MS"), 30_000, 10, 600_000),
  /**
   * Outbound webhooks: `true` lets subscriptions point at loopback, private and
   * link-local addresses and local names (dev servers and tests post to
   * 127.0.0.1). Unset = refused: a shared deployment must not reach its own network.
   */
  webhookAllowPrivateUrls: () => read("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS")?.toLowerCase() === "true",
  /** External HTTP tools: attempts per call for 5xx, timeouts and network errors (default 3, 1–10; 4xx is never retried). */
  toolMaxAttempts: () => boundedInt(read("HARNESS_TOOL_MAX_ATTEMPTS"), 3, 1, 10),
  /** External HTTP tools: wait before the first retry, doubling after (default 1 s, 10 ms–10 min). */
  toolBackoffMs: () => boundedInt(read("HARNESS_TOOL_BACKOFF_MS"), 1_000, 10, 600_000),
  /** `web_reader`: bytes read of a page at most (default 2 MB, 1 KB–10 MB); a larger page is refused. */
  webReaderMaxBytes: () => boundedInt(read("HARNESS_WEB_READER_MAX_BYTES"), 2_000_000, 1_000, 10_000_000),
  /** `web_reader`: time limit for fetching a page, redirects included (default 15 s, 100 ms–60 s). */
  webReaderTimeoutMs: () => boundedInt(read("HARNESS_WEB_READER_TIMEOUT_MS"), 15_000, 100, 60_000),
  /** `web_search` through Tavily: the API key (`tvly-...`). Unset = web_search is "not configured". */
  tavilyApiKey: () => read("TAVILY_API_KEY"),
  /** Tavily's API root (default https://api.tavily.com): a proxy, or a local stub in tests. */
  tavilyBaseUrl: () => read("TAVILY_BASE_URL"),
};

/** An integer setting: `fallback` when unset or not a number, clamped to [min, max]. */
function boundedInt(raw: string | undefined, fallback: number, min: number, max: number): number {
  const value = raw === undefined ? NaN : Math.round(Number(raw));
  return Number.isFinite(value) ? Math.min(Math.max(value, min), max) : fallback;
}
