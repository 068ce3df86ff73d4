/**
 * What a step keeps of its input and output: real-looking secrets redacted
 * (in text and in nested JSON), then cut at the bound with a marker — never
 * half a secret, never half a character.
 */
import { expect, test } from "vitest";
import { boundText, isSecretName, keptJson, keptPayload, redactSecrets, STEP_PAYLOAD_MAX_CHARS } from "./stepPayload";

// Shaped like the real thing; none of them is one.
const OPENAI = "sk-proj-4fT9qLmZ2xWc8VbN1rYs0KdJ7hGpEa3U";
const ANTHROPIC = "sk-ant-api03-Zk2mQ9vX4bN7cR1tY6wL0pS3dF8gH5jK";
const STRIPE = "sk_live_51HxQ2mKd9Lw3Rt7Yb0Vn4Cz8";
const SLACK = "xoxb-2048-1234567890-AbCdEfGhIjKlMnOp";
const GITHUB = "ghp_R2d2C3poBb8Yoda1Luke2Leia3Han4Chewie5";
const AWS = "AKIAIOSFODNN7EXAMPLE";
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
const HARNESS_KEY = "thk_9f8e7d6c5b4a3f2e1d0c";

test("well-known key shapes in free text are redacted, their prefix kept", () => {
  const text = [
    `export OPENAI_KEY ${OPENAI}`,
    `claude ${ANTHROPIC}`,
    `stripe ${STRIPE}`,
    `slack ${SLACK}`,
    `gh ${GITHUB}`,
    `aws ${AWS}`,
    `jwt ${JWT}`,
    `harness ${HARNESS_KEY}`,
    "curl -H 'Authorization: Bearer abc123def456ghi789' https://api.example.com",
    "db postgres://admin:s3cr3t-Pa55@db.internal:5432/app",
  ].join("\n");
  const kept = redactSecrets(text);
  for (const secret of [OPENAI, ANTHROPIC, STRIPE, SLACK, GITHUB, AWS, JWT, HARNESS_KEY, "abc123def456ghi789", "s3cr3t-Pa55"]) {
    expect(kept).not.toContain(secret);
  }
  expect(kept).toContain("sk-[redacted]");
  expect(kept).toContain("sk_live_[redacted]");
  expect(kept).toContain("xoxb-[redacted]");
  expect(kept).toContain("ghp_[redacted]");
  expect(kept).toContain("AKIA[redacted]");
  expect(kept).toContain("postgres://admin:[redacted]@db.internal:5432/app");
  // What is not a secret stays as it was.
  expect(kept).toContain("https://api.example.com");
  expect(kept.split("\n")[0]).toMatch(/^export OPENAI_KEY /);
});

test("name=value and header lines whose name says secret lose the value", () => {
  expect(redactSecrets("GET /v1/orders?api_key=live_8c7d6e5f&page=2")).toBe("GET /v1/orders?api_key=[redacted]&page=2");
  expect(redactSecrets("password: hunter2")).toBe("password: [redacted]");
  expect(redactSecrets("X-Auth-Token=0a1b2c3d4e")).toBe("X-Auth-Token=[redacted]");
  // Counts of tokens are not secrets.
  expect(redactSecrets("max_tokens=1024 input_tokens: 37")).toBe("max_tokens=1024 input_tokens: 37");
});

test("nested JSON: secret-named fields at any depth, secret-shaped strings anywhere; numbers and other fields kept", () => {
  const args = {
    order_id: "A-1001",
    keyword: "tides",
    max_tokens: 512,
    connection: { baseUrl: "https://llm.example.com/v1", apiKey: "not-shaped-like-anything", headers: { Authorization: "Token 12345" } },
    accounts: [{ name: "ops", db_password: "correct horse battery staple" }, { name: "ci", note: `use ${GITHUB} for the mirror` }],
    github_token: "",
  };
  const kept = JSON.parse(redactSecrets(JSON.stringify(args))) as typeof args;
  expect(kept).toEqual({
    order_id: "A-1001",
    keyword: "tides",
    max_tokens: 512,
    connection: { baseUrl: "https://llm.example.com/v1", apiKey: "[redacted]", headers: { Authorization: "[redacted]" } },
    accounts: [{ name: "ops", db_password: "[redacted]" }, { name: "ci", note: "use ghp_[redacted] for the mirror" }],
    github_token: "",
  });
});

test("field names that say secret, and ones that only look close", () => {
  for (const name of ["key", "api_key", "apiKey", "x-api-key", "secret", "client_secret", "password", "Authorization", "refresh_token", "idToken", "cookie"]) {
    expect(isSecretName(name), name).toBe(true);
  }
  for (const name of ["keyword", "monkey_count", "tokens", "max_tokens", "author", "secretary_name", "order_id"]) {
    expect(isSecretName(name), name).toBe(false);
  }
});

test("broken JSON (a cut payload) is still redacted as text", () => {
  const broken = `{"query":"weather","api_key":"9f8e7d6c5b4a","tail":"${"x".repeat(10)}`;
  expect(redactSecrets(broken)).toBe(`{"query":"weather","api_key":"[redacted]","tail":"${"x".repeat(10)}`);
});

test("a 50 KB output is cut at the bound with a marker saying how much was left out", () => {
  const output = JSON.stringify({ rows: Array.from({ length: 2_000 }, (_, i) => ({ id: i, text: "lorem ipsum dolor" })) });
  expect(output.length).toBeGreaterThan(50_000);
  const kept = keptPayload(output);
  expect(kept.startsWith(output.slice(0, STEP_PAYLOAD_MAX_CHARS))).toBe(true);
  expect(kept.slice(STEP_PAYLOAD_MAX_CHARS)).toBe(`… (${(output.length - STEP_PAYLOAD_MAX_CHARS).toLocaleString("en-US")} more characters)`);
  // What fits is kept as it was, with no marker.
  expect(keptPayload("short answer")).toBe("short answer");
});

test("a secret straddling the cut is redacted whole: no part of it survives", () => {
  const filler = "a".repeat(STEP_PAYLOAD_MAX_CHARS - 10) + " ";
  const text = `${filler}${OPENAI} and more text after it`;
  const kept = keptPayload(text);
  // The cut falls inside where the key was: what is left of it is the redaction, never its characters.
  expect(kept).not.toMatch(/4fT9|qLmZ|2xWc/);
  expect(kept.slice(filler.length)).toMatch(/^sk-\[redac… \(\d+ more characters\)$/);
});

test("non-ASCII: the cut never splits a character, and the count is in characters", () => {
  const text = "é".repeat(5) + "🌊".repeat(10);
  const kept = boundText(text, 8);
  expect(kept).toBe(`ééééé🌊🌊🌊… (7 more characters)`);
  // Emoji are two UTF-16 units: a naive slice would leave half of one.
  expect(kept).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  expect(boundText("日本語のテキスト", 20)).toBe("日本語のテキスト");
  expect(boundText("🌊🌊🌊", 3)).toBe("🌊🌊🌊");
});

test("keptJson: a structured value serialised, redacted and bounded", () => {
  expect(JSON.parse(keptJson({ task: "find facts", token: "abc" }))).toEqual({ task: "find facts", token: "[redacted]" });
  expect(keptJson(undefined)).toBe("null");
});

test("redaction stays linear on a long run of word characters", () => {
  const blob = "A".repeat(200_000);
  const started = performance.now();
  expect(keptPayload(blob)).toMatch(/more characters\)$/);
  expect(performance.now() - started).toBeLessThan(2_000);
});
