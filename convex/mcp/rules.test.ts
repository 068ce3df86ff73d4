/**
 * The pure rules of MCP servers: tool slugs model providers accept, input
 * schemas made storable, trust level from annotations, what an admin may
 * type (URL and the private-address rule, token, headers, timeout), and a
 * `tools/call` result as the model reads it.
 */
import { describe, expect, test } from "vitest";
import { TOOL_SLUG_PATTERN } from "../tools/catalogue";
import {
  checkBearerToken,
  checkHeaders,
  checkTimeoutSeconds,
  checkUrl,
  inlineSchema,
  listedTools,
  mcpToolSlug,
  PROVIDER_TOOL_NAME,
  redact,
  resultText,
  resultValue,
  serverSlugFrom,
  toolParameters,
  uniqueServerSlug,
} from "./rules";

function refusal(fn: () => unknown): { code: string; field?: string; message: string } | "no error" {
  try {
    fn();
    return "no error";
  } catch (error) {
    const data = (error as { data?: { code: string; field?: string; message: string } }).data;
    if (data === undefined) throw error;
    return data;
  }
}

describe("tool slugs", () => {
  test("mcp_<server>_<tool>, sanitized to what OpenAI and Anthropic accept, and a valid registry slug", () => {
    const none = () => false;
    expect(mcpToolSlug("everything", "echo", none)).toBe("mcp_everything_echo");
    expect(mcpToolSlug("everything", "get-sum", none)).toBe("mcp_everything_get-sum");
    expect(mcpToolSlug("my-server", "Files/Read File.v2", none)).toBe("mcp_my_server_files_read_file_v2");
    expect(mcpToolSlug("s", "Ünïcödé ✓ tool", none)).toBe("mcp_s_unicode_tool");
    expect(mcpToolSlug("s", "✓✓", none)).toBe("mcp_s_tool");
    const long = mcpToolSlug("everything", "x".repeat(200), none);
    expect(long).toHaveLength(64);
    for (const slug of ["mcp_everything_echo", long, mcpToolSlug("s", "Ünïcödé ✓ tool", none)]) {
      expect(slug).toMatch(PROVIDER_TOOL_NAME);
      expect(slug).toMatch(TOOL_SLUG_PATTERN);
    }
  });

  test("names that read the same once sanitized (or cut) get apart by a stable tag", () => {
    const taken = new Set<string>();
    const slugOf = (name: string) => {
      const slug = mcpToolSlug("srv", name, (s) => taken.has(s));
      taken.add(slug);
      return slug;
    };
    const a = slugOf("read.file");
    const b = slugOf("read_file");
    const c = slugOf("READ FILE");
    expect(a).toBe("mcp_srv_read_file");
    expect(new Set([a, b, c]).size).toBe(3);
    for (const slug of [b, c]) {
      expect(slug).toMatch(/^mcp_srv_read_file_[0-9a-z]{7}$/);
      expect(slug).toMatch(PROVIDER_TOOL_NAME);
    }
    // The same name always gets the same tag.
    expect(mcpToolSlug("srv", "read_file", (s) => s === "mcp_srv_read_file")).toBe(b);
  });

  test("server slugs come from the name, stay short and unique", () => {
    expect(serverSlugFrom("Everything Reference Server")).toBe("everything-reference-ser");
    expect(serverSlugFrom("  ✓ ")).toBe("server");
    expect(uniqueServerSlug("everything", new Set(["everything", "everything-2"]))).toBe("everything-3");
  });
});

describe("input schemas", () => {
  test("$schema and $id are dropped; local $refs are written out", () => {
    const schema = {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: { where: { $ref: "#/$defs/place" }, also: { $ref: "#/definitions/place", description: "again" } },
      $defs: { place: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
      definitions: { place: { type: "string" } },
    };
    expect(inlineSchema(schema)).toEqual({
      type: "object",
      properties: {
        where: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        also: { allOf: [{ type: "string" }, { description: "again" }] },
      },
    });
  });

  test("recursive or remote references cannot be stored: the tool is skipped with the reason", () => {
    expect(toolParameters({ type: "object", properties: { n: { $ref: "#/$defs/node" } }, $defs: { node: { type: "object", properties: { next: { $ref: "#/$defs/node" } } } } })).toEqual({
      problem: expect.stringContaining("$ref"),
    });
    expect(toolParameters({ type: "object", properties: { x: { $ref: "https://example.com/schema.json" } } })).toEqual({ problem: expect.stringContaining("$ref") });
    expect(toolParameters({ type: "array" })).toEqual({ problem: expect.stringContaining('"object"') });
    expect(toolParameters({})).toEqual({ parameters: { type: "object" } });
  });

  test("trust level and idempotency come from the annotations; tools sorted, deduplicated and bounded", () => {
    const listed = listedTools([
      { name: "write_note", description: "Writes", inputSchema: { type: "object" } },
      { name: "echo", title: "Echo Tool", inputSchema: { type: "object", properties: { message: { type: "string" } } }, annotations: { readOnlyHint: true } },
      { name: "put", inputSchema: { type: "object" }, annotations: { readOnlyHint: false, idempotentHint: true } },
      { name: "echo", inputSchema: { type: "object" } },
      { name: "broken", inputSchema: { type: "object", properties: { "$weird": { type: "string" } } } },
    ]);
    expect(listed.tools.map((t) => [t.toolName, t.title, t.trustLevel, t.idempotent])).toEqual([
      ["echo", "Echo Tool", "read", true],
      ["put", "put", "write", true],
      ["write_note", "write_note", "write", false],
    ]);
    expect(listed.tools[2]!.description).toBe("Writes");
    expect(listed.skipped).toEqual([{ name: "broken", reason: expect.stringContaining("$") }]);
    const many = listedTools(Array.from({ length: 70 }, (_, i) => ({ name: `t${String(i).padStart(2, "0")}`, inputSchema: { type: "object" } })));
    expect(many.tools).toHaveLength(64);
    expect(many.skipped[0]).toEqual({ name: "t64", reason: expect.stringContaining("at most 64") });
  });
});

describe("what an admin types", () => {
  test("URLs: http(s) only, no credentials; private addresses only when the deployment allows them", () => {
    const strict = { allowPrivate: false };
    expect(checkUrl(" https://mcp.example.com/mcp ", strict)).toBe("https://mcp.example.com/mcp");
    expect(refusal(() => checkUrl("http://127.0.0.1:3001/mcp", strict))).toMatchObject({ code: "bad_request", field: "url", message: expect.stringContaining("loopback") });
    expect(refusal(() => checkUrl("http://10.1.2.3/mcp", strict))).toMatchObject({ field: "url", message: expect.stringContaining("private") });
    expect(refusal(() => checkUrl("http://localhost:3001/mcp", strict))).toMatchObject({ field: "url" });
    expect(checkUrl("http://127.0.0.1:3001/mcp", { allowPrivate: true })).toBe("http://127.0.0.1:3001/mcp");
    expect(refusal(() => checkUrl("ftp://mcp.example.com", strict))).toMatchObject({ field: "url" });
    expect(refusal(() => checkUrl("https://user:pw@mcp.example.com", strict))).toMatchObject({ field: "url", message: expect.stringContaining("credentials") });
    expect(refusal(() => checkUrl("not a url", strict))).toMatchObject({ field: "url" });
  });

  test("tokens, headers and timeouts", () => {
    expect(checkBearerToken(" Bearer abc123 ")).toBe("abc123");
    expect(refusal(() => checkBearerToken("two words"))).toMatchObject({ field: "bearerToken" });
    expect(checkHeaders([{ name: " X-API-Key ", value: " k1 " }])).toEqual([{ name: "X-API-Key", value: "k1" }]);
    expect(refusal(() => checkHeaders([{ name: "Authorization", value: "Bearer x" }]))).toMatchObject({ field: "headers[0].name", message: expect.stringContaining("bearerToken") });
    expect(refusal(() => checkHeaders([{ name: "Mcp-Session-Id", value: "x" }]))).toMatchObject({ field: "headers[0].name" });
    expect(refusal(() => checkHeaders([{ name: "X-A", value: "1" }, { name: "x-a", value: "2" }]))).toMatchObject({ field: "headers[1].name" });
    expect(refusal(() => checkHeaders([{ name: "X-A", value: "a\r\nInjected: yes" }]))).toMatchObject({ field: "headers[0].value" });
    expect(refusal(() => checkHeaders([{ name: "Bad Name", value: "x" }]))).toMatchObject({ field: "headers[0].name" });
    expect(checkTimeoutSeconds(undefined)).toBe(30);
    expect(refusal(() => checkTimeoutSeconds(0))).toMatchObject({ field: "timeoutSeconds" });
    expect(refusal(() => checkTimeoutSeconds(121))).toMatchObject({ field: "timeoutSeconds" });
  });

  test("secrets are redacted from messages down to their last four characters", () => {
    expect(redact("server said: bad token tok-0123456789abcdWXYZ", ["tok-0123456789abcdWXYZ"])).toBe("server said: bad token ••••WXYZ");
  });
});

describe("results", () => {
  test("text blocks joined; images, audio and resources named, not sent", () => {
    expect(resultText([{ type: "text", text: "one" }, { type: "text", text: "two" }])).toBe("one\n\ntwo");
    expect(resultText([{ type: "image", mimeType: "image/png", data: "AAAA" }])).toBe("[image: image/png, 3 bytes, not shown]");
    expect(resultText([{ type: "resource", resource: { uri: "demo://r/1", text: "hello" } }])).toBe("hello");
    expect(resultText([{ type: "resource_link", uri: "demo://r/2", name: "r2" }])).toBe("[resource link: demo://r/2 (r2)]");
    const long = resultText([{ type: "text", text: "x".repeat(20_000) }]);
    expect(long).toMatch(/…\[cut: 4000 more characters\]$/);
  });

  test("structured content is the result; text saying more than it is kept beside it", () => {
    const weather = { temperature: 36, conditions: "Light rain / drizzle", humidity: 82 };
    expect(resultValue({ content: [{ type: "text", text: JSON.stringify(weather) }], structuredContent: weather })).toEqual(weather);
    expect(resultValue({ content: [{ type: "text", text: "It rains." }], structuredContent: weather })).toEqual({ structuredContent: weather, text: "It rains." });
    expect(resultValue({ content: [{ type: "text", text: "Echo: hi" }] })).toBe("Echo: hi");
  });
});
