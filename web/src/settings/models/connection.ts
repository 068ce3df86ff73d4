/** A model connection as Settings → Models shows it: its kinds in words, the fields a refusal can name, a test's outcome. */
import type { api } from "../../../../convex/_generated/api";
import type { FunctionReturnType } from "../../lib/convex";

export type Connection = FunctionReturnType<typeof api.models.connections.list>[number];
export type Kind = Connection["kind"];
export type TestResult = FunctionReturnType<typeof api.models.connections.testConnection>;

export const KINDS: Record<Kind, { label: string; placeholder: string; hint: string }> = {
  "openai-compatible": {
    label: "OpenAI-compatible",
    placeholder: "https://api.openai.com/v1",
    hint: "OpenAI https://api.openai.com/v1 · OpenRouter https://openrouter.ai/api/v1 · a local Ollama http://localhost:11434/v1 or vLLM http://localhost:8000/v1",
  },
  anthropic: {
    label: "Anthropic",
    placeholder: "https://api.anthropic.com/v1 (leave empty)",
    hint: "Leave empty for Anthropic's own API; fill in only for a gateway in front of it.",
  },
};

/** The arguments of `create` / `update` a refusal can name as its `field`, each shown at its input. */
export const CONNECTION_FIELDS = ["name", "slug", "kind", "baseUrl", "apiKey"] as const;

/** A test's outcome in words: the provider's answer, or its error. */
export function testWords(test: { ok: boolean; message: string; latencyMs?: number }): string {
  const took = test.latencyMs !== undefined ? ` in ${test.latencyMs.toLocaleString()} ms` : "";
  return test.ok ? `Answered “${test.message}”${took}.` : `Failed${took}: ${test.message}`;
}
