/**
 * Token counts for one model call, for when the provider reports none.
 *
 * Some OpenAI-compatible servers (vLLM, Ollama, proxies) ignore
 * `stream_options.include_usage` and stream no usage at all; budgets must
 * still hold, so the call is counted here from the request body the AI SDK
 * sent and the reply that came back. Pure: no I/O, no environment.
 *
 * How text becomes tokens (`countTokens`):
 * - OpenAI-style models use the real BPE tokenizer (the `gpt-tokenizer`
 *   package, pure JS, no WASM / fs / network): `o200k_base` for gpt-4o,
 *   gpt-4.1, gpt-4.5, gpt-5, gpt-oss and the o-series; `cl100k_base` for
 *   gpt-3.5 / gpt-4 (non-o) and for every model we do not recognise. The
 *   latter covers Llama / Mistral / Qwen / DeepSeek ... served by vLLM or
 *   Ollama behind the OpenAI-compatible endpoint: their own tokenizers are
 *   not cl100k_base, so for them the count is an approximation (usually
 *   within ~10–20% for English text and code).
 * - Claude: Anthropic's tokenizer is not public. Anthropic's docs put a token
 *   at roughly 3.5 characters of English, so a text is ceil(chars / 3.5)
 *   tokens (chars = Unicode code points), method "chars". This undercounts
 *   non-Latin scripts (CJK is closer to one token per character).
 *
 * Bundle / memory: only the two rank tables are imported, not the package's
 * main entry (which would pull in all encodings): o200k_base ≈ 3.4 MB and
 * cl100k_base ≈ 1.3 MB of JavaScript in an esbuild bundle (≈ 1.5 MB
 * gzipped together). Evaluating them costs ≈ 17 MB of heap at import; each
 * encoder is built on first use (≈ 0.1 s, ≈ 5 MB more for each).
 */
import { GptEncoding } from "gpt-tokenizer/GptEncoding";
import cl100kRanks from "gpt-tokenizer/bpeRanks/cl100k_base";
import o200kRanks from "gpt-tokenizer/bpeRanks/o200k_base";

export type CountMethod = "tokenizer" | "chars";

export type CallUsageEstimate = { inputTokens: number; outputTokens: number; method: CountMethod };

type EncodingName = "o200k_base" | "cl100k_base";

/**
 * OpenAI's cookbook ("How to count tokens with tiktoken", num_tokens_from_messages)
 * counts a chat request as: for every message 3 tokens of framing
 * (<|start|>{role}<|message|>...<|end|>) plus the tokens of each of its string
 * values (role, content, and name, a name costing 1 token more), and then 3
 * tokens priming the reply (<|start|>assistant<|message|>). We apply the same
 * rule to both dialects; a top-level Anthropic `system` counts as one message.
 */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING_TOKENS = 3;

/** Anthropic's docs: "approximately 3.5 characters per token" for English. */
const CHARS_PER_TOKEN = 3.5;

/**
 * Claude wraps the conversation in a prompt template of its own, which the
 * cookbook rule above does not know. Anthropic's docs show 25 input tokens for
 * a lone "Hello" (streaming guide) and 12 for "Hello, Claude" (Messages API
 * example); those illustrative figures disagree with each other, so this is a
 * small fixed allowance chosen to keep both within a factor of 2 (the ratios
 * are printed by the tests), not a fit to either.
 */
const CLAUDE_REQUEST_OVERHEAD_TOKENS = 6;

/**
 * With `tools`, Anthropic adds a tool-use system prompt it does not show:
 * 159–530 tokens depending on model and tool_choice in Anthropic's "tool use
 * pricing and tokens" table (e.g. Claude 3 Haiku 264 / 340, Claude 3 Opus 530
 * / 281). We add this mid-to-high value once per request that has tools.
 */
const CLAUDE_TOOL_SYSTEM_PROMPT_TOKENS = 350;

/**
 * An image part. The harness sends none today; this keeps one from being
 * counted as megabytes of base64 text. 1,600 tokens is Anthropic's ceiling for
 * an image it does not downscale (~1.15 megapixels / 750); OpenAI's gpt-4o
 * charges 765 for a 1024×1024 high-detail image and 85 at `detail: "low"`.
 */
const IMAGE_TOKENS = 1600;
const LOW_DETAIL_IMAGE_TOKENS = 85;

/**
 * BPE merging is quadratic in the length of one pre-token, so a long run
 * without whitespace (a line of 200,000 "=" or a run of one letter) would take
 * tens of seconds. Runs longer than this are cut into pieces of this length
 * and counted piece by piece, which adds a token or two per cut (a few
 * percent on such runs; ordinary prose has no such runs and is not cut).
 */
const MAX_RUN_CHARS = 256;
/** Above this many characters a single text is counted by characters, to bound CPU time. */
const MAX_TOKENIZE_CHARS = 1_000_000;
/** Bounds the tokenizer's memo of merged pre-tokens (its default is 100,000 entries). */
const MERGE_CACHE_SIZE = 10_000;
/** Text that looks like `<|endoftext|>` is ordinary text in a prompt: count it, never throw. */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

const encoders = new Map<EncodingName, GptEncoding>();

function encoder(name: EncodingName): GptEncoding {
  let found = encoders.get(name);
  if (found === undefined) {
    found = GptEncoding.getEncodingApi(name, () => (name === "o200k_base" ? o200kRanks : cl100kRanks));
    found.setMergeCacheSize(MERGE_CACHE_SIZE);
    encoders.set(name, found);
  }
  return found;
}

/** The provider-side model name: `openai-compatible/openai/gpt-4.1` → `gpt-4.1`, `@conn/ft:gpt-4o:acme` → `gpt-4o:acme`. */
function modelName(modelId: string): string {
  const id = modelId.trim().toLowerCase();
  const last = id.slice(id.lastIndexOf("/") + 1);
  return last.startsWith("ft:") ? last.slice(3) : last;
}

/** Claude, wherever it is served: `anthropic/...`, `@conn/claude-...`, OpenRouter's `openai-compatible/anthropic/claude-...`. */
function isClaude(modelId: string): boolean {
  const id = modelId.trim().toLowerCase();
  return id.includes("claude") || id.startsWith("anthropic/") || id.includes("/anthropic/");
}

const O200K_MODELS = /^(?:gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|gpt-realtime|gpt-audio|gpt-image|codex|computer-use|omni-moderation|o[1-9](?![0-9]))/;

function encodingFor(modelId: string): EncodingName {
  return O200K_MODELS.test(modelName(modelId)) ? "o200k_base" : "cl100k_base";
}

function charCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return Math.ceil(count / CHARS_PER_TOKEN);
}

/** `text` cut so that no piece holds a whitespace-free run longer than MAX_RUN_CHARS. */
function pieces(text: string): string[] {
  const longRun = new RegExp(`\\S{${MAX_RUN_CHARS + 1},}`, "gu");
  if (!longRun.test(text)) return [text];
  longRun.lastIndex = 0;
  const out: string[] = [];
  let start = 0;
  for (const match of text.matchAll(longRun)) {
    const end = match.index + match[0].length;
    let cut = match.index + MAX_RUN_CHARS;
    while (cut < end) {
      // Never split a surrogate pair.
      if (cut > start && isLowSurrogate(text.charCodeAt(cut))) cut--;
      out.push(text.slice(start, cut));
      start = cut;
      cut += MAX_RUN_CHARS;
    }
  }
  out.push(text.slice(start));
  return out;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function bpeCount(name: EncodingName, text: string): number {
  const enc = encoder(name);
  let total = 0;
  for (const piece of pieces(text)) total += enc.countTokens(piece, PLAIN_TEXT);
  return total;
}

/** Counts one text; never throws (a tokenizer failure falls back to characters). */
function tokensOf(modelId: string, text: string): { tokens: number; method: CountMethod } {
  if (text.length === 0) return { tokens: 0, method: isClaude(modelId) ? "chars" : "tokenizer" };
  if (isClaude(modelId)) return { tokens: charCount(text), method: "chars" };
  if (text.length > MAX_TOKENIZE_CHARS) return { tokens: charCount(text), method: "chars" };
  try {
    return { tokens: bpeCount(encodingFor(modelId), text), method: "tokenizer" };
  } catch {
    return { tokens: charCount(text), method: "chars" };
  }
}

/**
 * Tokens in `text` for `modelId`: the model's BPE tokenizer for OpenAI-style
 * models (method "tokenizer"), ceil(chars / 3.5) for Claude (method "chars").
 * A text over 1,000,000 characters is counted by characters for any model
 * (method "chars"), to bound the time spent.
 */
export function countTokens(modelId: string, text: string): { tokens: number; method: CountMethod } {
  return tokensOf(modelId, typeof text === "string" ? text : String(text));
}

// ---------------------------------------------------------------------------
// Request bodies

type Counter = (text: string) => number;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "";
  }
}

/** A tool call's arguments: OpenAI sends a JSON string, Anthropic an object. */
function argumentsText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : json(value);
}

/** Message content: a string, an array of parts, or (rarely) one part object. */
function contentTokens(content: unknown, count: Counter): number {
  if (content === undefined || content === null) return 0;
  if (typeof content === "string") return count(content);
  if (Array.isArray(content)) {
    let total = 0;
    for (const part of content) total += partTokens(part, count);
    return total;
  }
  return partTokens(content, count);
}

function partTokens(part: unknown, count: Counter): number {
  if (typeof part === "string") return count(part);
  if (!isRecord(part)) return part === undefined || part === null ? 0 : count(json(part));
  switch (part.type) {
    case "text":
    case "input_text":
    case "output_text":
      return typeof part.text === "string" ? count(part.text) : count(json(part));
    case "image_url":
    case "image":
    case "input_image": {
      const detail = isRecord(part.image_url) ? part.image_url.detail : part.detail;
      return detail === "low" ? LOW_DETAIL_IMAGE_TOKENS : IMAGE_TOKENS;
    }
    case "tool_use":
    case "server_tool_use":
      return count(typeof part.name === "string" ? part.name : "") + count(argumentsText(part.input));
    case "tool_result":
      return contentTokens(part.content, count);
    case "thinking":
      return typeof part.thinking === "string" ? count(part.thinking) : count(json(part));
    default:
      // Files, documents, audio, redacted thinking, anything new: their serialized
      // size, which overcounts binary payloads (base64) rather than missing them.
      return typeof part.text === "string" ? count(part.text) : count(json(part));
  }
}

function messageTokens(message: unknown, count: Counter): number {
  if (!isRecord(message)) return TOKENS_PER_MESSAGE + contentTokens(message, count);
  let total = TOKENS_PER_MESSAGE;
  if (typeof message.role === "string") total += count(message.role);
  if (typeof message.name === "string") total += count(message.name) + TOKENS_PER_NAME;
  total += contentTokens(message.content, count);
  // OpenAI: the assistant's tool calls (and the legacy single function_call).
  const calls: unknown[] = Array.isArray(message.tool_calls) ? [...(message.tool_calls as unknown[])] : [];
  if (isRecord(message.function_call)) calls.push({ function: message.function_call });
  for (const call of calls) {
    const fn = isRecord(call) && isRecord(call.function) ? call.function : undefined;
    if (fn === undefined) total += count(json(call));
    else total += count(typeof fn.name === "string" ? fn.name : "") + count(argumentsText(fn.arguments));
  }
  if (typeof message.reasoning_content === "string") total += count(message.reasoning_content);
  return total;
}

function looksLikeChatRequest(body: Record<string, unknown>): boolean {
  return Array.isArray(body.messages) || body.system !== undefined || Array.isArray(body.tools);
}

function structuredInputTokens(body: Record<string, unknown>, count: Counter, claude: boolean): number {
  let total = REPLY_PRIMING_TOKENS;
  if (body.system !== undefined && body.system !== null) total += TOKENS_PER_MESSAGE + contentTokens(body.system, count);
  if (Array.isArray(body.messages)) for (const message of body.messages) total += messageTokens(message, count);
  const tools = Array.isArray(body.tools) && body.tools.length > 0 ? body.tools : undefined;
  if (tools !== undefined) total += count(json(tools));
  if (Array.isArray(body.functions) && body.functions.length > 0) total += count(json(body.functions));
  if (claude) {
    total += CLAUDE_REQUEST_OVERHEAD_TOKENS;
    if (tools !== undefined) total += CLAUDE_TOOL_SYSTEM_PROMPT_TOKENS;
  }
  return total;
}

function parseRequest(request: unknown): unknown {
  if (typeof request !== "string") return request;
  try {
    return JSON.parse(request) as unknown;
  } catch {
    return request;
  }
}

/** The whole request counted by characters: for shapes we do not recognise. */
function fallbackInputTokens(request: unknown): number {
  const text = typeof request === "string" ? request : json(request);
  return charCount(text);
}

/**
 * Estimated usage of one model call.
 *
 * Input: the request body the AI SDK sent (an OpenAI chat-completions body
 * `{ model, messages, tools }` or an Anthropic messages body
 * `{ model, system, messages, tools }`, possibly as a JSON string) — every
 * message's text, its tool calls' names and arguments, tool results, the
 * system prompt and the tool definitions (JSON-stringified), plus the
 * cookbook's framing (3 per message, 3 priming the reply; see
 * TOKENS_PER_MESSAGE) and, for Claude, the allowances above. A body of any
 * other shape is counted whole, by characters (method "chars"). Never throws;
 * never reports 0 input tokens (a call always reads something).
 *
 * Output: the tokens of the reply text plus each tool call's name and input
 * JSON. Hidden reasoning tokens (o-series, extended thinking) are not visible
 * here, so reasoning models are undercounted on output.
 */
export function estimateCallUsage(args: {
  modelId: string;
  request: unknown;
  outputText: string;
  toolCalls: { toolName: string; input: string }[];
}): CallUsageEstimate {
  const modelId = typeof args.modelId === "string" ? args.modelId : "";
  const claude = isClaude(modelId);
  let method: CountMethod = claude ? "chars" : "tokenizer";
  const count: Counter = (text) => {
    const counted = tokensOf(modelId, text);
    if (counted.method === "chars") method = "chars";
    return counted.tokens;
  };

  let inputTokens: number;
  try {
    const body = parseRequest(args.request);
    if (isRecord(body) && looksLikeChatRequest(body)) {
      inputTokens = structuredInputTokens(body, count, claude);
    } else {
      inputTokens = fallbackInputTokens(args.request);
      method = "chars";
    }
  } catch {
    inputTokens = fallbackInputTokens(args.request);
    method = "chars";
  }

  let outputTokens = 0;
  try {
    outputTokens += count(typeof args.outputText === "string" ? args.outputText : "");
    for (const call of Array.isArray(args.toolCalls) ? args.toolCalls : []) {
      if (!isRecord(call)) continue;
      outputTokens += count(typeof call.toolName === "string" ? call.toolName : "");
      outputTokens += count(argumentsText(call.input));
    }
  } catch {
    outputTokens = charCount(json(args.outputText) + json(args.toolCalls));
    method = "chars";
  }

  return { inputTokens: Math.max(1, inputTokens), outputTokens, method };
}

/**
 * Whether a provider's reported usage should not be trusted: nothing reported,
 * a count missing or not a finite non-negative number, no input tokens at all
 * (every call reads its prompt), or no output tokens although text or tool
 * calls came back.
 */
export function usageLooksMissing(
  usage: { inputTokens?: number; outputTokens?: number } | undefined,
  exchange: { outputText: string; toolCallCount: number },
): boolean {
  if (usage === undefined || usage === null) return true;
  const { inputTokens, outputTokens } = usage;
  if (!isCount(inputTokens) || !isCount(outputTokens)) return true;
  if (inputTokens === 0) return true;
  const somethingCameBack = exchange.outputText.length > 0 || exchange.toolCallCount > 0;
  return outputTokens === 0 && somethingCameBack;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}
