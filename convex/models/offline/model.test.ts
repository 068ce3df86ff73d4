import type {
  LanguageModelV4CallOptions,
  LanguageModelV4FunctionTool,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4ToolResultOutput,
} from "@ai-sdk/provider";
import { APICallError } from "@ai-sdk/provider";
import { generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { beforeEach, describe, expect, test } from "vitest";
import { chunkText, offlineModel, offlineModelCalls, resetOfflineModelCalls, type FaultPlan } from "./index";

// ---------------------------------------------------------------------------
// Helpers

type Properties = Extract<LanguageModelV4FunctionTool["inputSchema"]["properties"], object>;

function fn(name: string, properties: Properties = {}, description = ""): LanguageModelV4FunctionTool {
  return { type: "function", name, description, inputSchema: { type: "object", properties, required: Object.keys(properties) } };
}

const TOOLS = {
  currentTime: fn("current_time", { timezone: { type: "string" } }, "Tell the current time in a time zone."),
  memoryStore: fn("memory_store", { fact: { type: "string" } }, "Remember a fact about the user."),
  knowledgeSearch: fn("knowledge_search", { query: { type: "string" } }, "Search the knowledge base."),
  scheduleJob: fn("schedule_job", { task: { type: "string" } }, "Run a task in the background."),
  researcher: fn("delegate_researcher", { task: { type: "string" }, context: { type: "string" } }, "Delegate to the researcher."),
  writer: fn("delegate_writer", { task: { type: "string" }, context: { type: "string" } }, "Delegate to the writer."),
};

function user(text: string): LanguageModelV4Prompt[number] {
  return { role: "user", content: [{ type: "text", text }] };
}

function call(text: string, tools: LanguageModelV4FunctionTool[] = [], system?: string): LanguageModelV4CallOptions {
  const prompt: LanguageModelV4Prompt = system ? [{ role: "system", content: system }, user(text)] : [user(text)];
  return { prompt, tools };
}

async function collect(stream: ReadableStream<LanguageModelV4StreamPart>): Promise<LanguageModelV4StreamPart[]> {
  const parts: LanguageModelV4StreamPart[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return parts;
    parts.push(value);
  }
}

async function streamParts(options: LanguageModelV4CallOptions, model = offlineModel()) {
  const { stream } = await model.doStream(options);
  return collect(stream);
}

function toolCallsOf(parts: LanguageModelV4StreamPart[]) {
  return parts.flatMap((part) => (part.type === "tool-call" ? [{ toolName: part.toolName, input: JSON.parse(part.input) as Record<string, unknown> }] : []));
}

function textOf(parts: LanguageModelV4StreamPart[]): string {
  return parts.map((part) => (part.type === "text-delta" ? part.delta : "")).join("");
}

function finishOf(parts: LanguageModelV4StreamPart[]) {
  const finish = parts.find((part) => part.type === "finish");
  if (finish?.type !== "finish") throw new Error("no finish part");
  return finish;
}

beforeEach(() => {
  resetOfflineModelCalls();
});

// ---------------------------------------------------------------------------

describe("streaming text", () => {
  test("a plain message streams several deltas whose concatenation is the final text", async () => {
    const options = call("Can you explain how durable workflows recover after a crash?");
    const parts = await streamParts(options);
    const deltas = parts.filter((part) => part.type === "text-delta");
    expect(deltas.length).toBeGreaterThanOrEqual(3);
    expect(parts[0]?.type).toBe("stream-start");
    expect(parts.map((part) => part.type)).toContain("text-start");
    expect(parts.map((part) => part.type)).toContain("text-end");

    const generated = await offlineModel().doGenerate(options);
    const [content] = generated.content;
    expect(content?.type).toBe("text");
    if (content?.type !== "text") return;
    expect(textOf(parts)).toBe(content.text);
    // Not an echo: it says what it is and where a real model is connected.
    expect(content.text).not.toContain("durable workflows");
    expect(content.text).toMatch(/^I'm the built-in offline model: /);
    expect(content.text).toContain("Settings → Models");

    const finish = finishOf(parts);
    expect(finish.finishReason).toEqual({ unified: "stop", raw: "stop" });
    expect(finish.usage.inputTokens.total).toBe(Math.ceil("Can you explain how durable workflows recover after a crash?".length / 4));
    expect(finish.usage.outputTokens.total).toBe(Math.ceil(content.text.length / 4));
  });

  test("chunkWords sets the words per delta, and chunkText never loses characters", async () => {
    const parts = await streamParts(call("Summarise our plan for the launch next week"), offlineModel({ chunkWords: 1 }));
    for (const part of parts) if (part.type === "text-delta") expect(part.delta.trim().split(/\s+/)).toHaveLength(1);
    for (const text of ["", "one", "  leading and trailing  ", "a b c d e f g", "line\nbreaks\n\nkept"]) {
      expect(chunkText(text, 3).join("")).toBe(text);
    }
  });

  test("identical inputs give identical outputs (text, ids, usage)", async () => {
    const options = call("ask the researcher to find the 2025 revenue figures", [TOOLS.researcher]);
    const first = await streamParts(options);
    const second = await streamParts(options);
    expect(second).toEqual(first);
    const plain = call("Tell me about the onboarding checklist");
    expect(await offlineModel().doGenerate(plain)).toEqual(await offlineModel().doGenerate(plain));
  });

  test("chunkDelayMs slows the stream down", async () => {
    const started = Date.now();
    const parts = await streamParts(call("Give me a short status update on the project"), offlineModel({ chunkDelayMs: 5 }));
    const deltas = parts.filter((part) => part.type === "text-delta").length;
    expect(Date.now() - started).toBeGreaterThanOrEqual(deltas * 5 - 5);
  });

  test("answers from retrieved context entries in the system prompt, citing them", async () => {
    const system = [
      "You are Atlas, a helpful assistant.",
      "Context:",
      "[1] The refund window is 30 days from delivery.",
      "[2] Shipping to Canada takes 5 to 7 business days.",
    ].join("\n");
    const result = await offlineModel().doGenerate(call("How long is the refund window?", [], system));
    const [content] = result.content;
    if (content?.type !== "text") throw new Error("expected text");
    expect(content.text).toContain("The refund window is 30 days from delivery");
    expect(content.text).toContain("[1]");
  });
});

describe("tool calls", () => {
  test("'what time is it in Tokyo' with current_time offered → one call, Asia/Tokyo, finish tool-calls", async () => {
    const parts = await streamParts(call("What time is it in Tokyo?", [TOOLS.currentTime, TOOLS.memoryStore]));
    expect(toolCallsOf(parts)).toEqual([{ toolName: "current_time", input: { timezone: "Asia/Tokyo" } }]);
    expect(finishOf(parts).finishReason.unified).toBe("tool-calls");
    expect(parts.some((part) => part.type === "text-delta")).toBe(false);
  });

  test("the same message without the tool offered → text", async () => {
    const parts = await streamParts(call("What time is it in Tokyo?", [TOOLS.memoryStore]));
    expect(toolCallsOf(parts)).toEqual([]);
    expect(textOf(parts).length).toBeGreaterThan(20);
    expect(finishOf(parts).finishReason.unified).toBe("stop");
  });

  test("an IANA zone is used as named; no zone → UTC", async () => {
    const named = await streamParts(call("what's the current time in Europe/Paris", [TOOLS.currentTime]));
    expect(toolCallsOf(named)[0]?.input).toEqual({ timezone: "Europe/Paris" });
    const bare = await streamParts(call("what time is it?", [TOOLS.currentTime]));
    expect(toolCallsOf(bare)[0]?.input).toEqual({ timezone: "UTC" });
  });

  test("two agents named in one message → two delegate calls in one response", async () => {
    const parts = await streamParts(
      call("Ask the researcher to find the latest churn numbers and the writer to draft a summary for the board.", [
        TOOLS.researcher,
        TOOLS.writer,
        TOOLS.knowledgeSearch,
      ]),
    );
    const calls = toolCallsOf(parts);
    expect(calls.map((c) => c.toolName)).toEqual(["delegate_researcher", "delegate_writer"]);
    expect(calls[0]?.input.task).toBe("find the latest churn numbers");
    expect(calls[1]?.input.task).toBe("draft a summary for the board");
    expect(typeof calls[0]?.input.context).toBe("string");
    const ids = parts.flatMap((part) => (part.type === "tool-call" ? [part.toolCallId] : []));
    expect(new Set(ids).size).toBe(2);
    expect(finishOf(parts).finishReason.unified).toBe("tool-calls");
  });

  test("other delegation phrasings", async () => {
    const have = toolCallsOf(await streamParts(call("Have the writer polish the intro paragraph", [TOOLS.researcher, TOOLS.writer])));
    expect(have).toEqual([{ toolName: "delegate_writer", input: { task: "polish the intro paragraph", context: "Have the writer polish the intro paragraph" } }]);
    const to = toolCallsOf(await streamParts(call("Delegate to researcher: compare the three vendors", [TOOLS.researcher])));
    expect(to[0]?.input.task).toBe("compare the three vendors");
    const unnamed = toolCallsOf(await streamParts(call("Ask the lawyer to check the contract", [TOOLS.researcher])));
    expect(unnamed).toEqual([]);
  });

  test("words that only look like intents don't call tools", async () => {
    const offered = [TOOLS.currentTime, TOOLS.scheduleJob, TOOLS.writer];
    for (const text of ["I spent too much time in meetings today.", "What's on my schedule today?", "Have a look at the writer's draft."]) {
      expect(toolCallsOf(await streamParts(call(text, offered)))).toEqual([]);
    }
    expect(toolCallsOf(await streamParts(call("Local time in London please", offered)))).toEqual([
      { toolName: "current_time", input: { timezone: "Europe/London" } },
    ]);
  });

  test("memory, search and schedule intents use the schema's property names", async () => {
    const content = fn("memory_store", { content: { type: "string" }, tags: { type: "array", items: { type: "string" } } });
    content.inputSchema = { ...content.inputSchema, required: ["content"] };
    const remember = toolCallsOf(await streamParts(call("Please remember that my favourite colour is teal.", [content])));
    expect(remember).toEqual([{ toolName: "memory_store", input: { content: "my favourite colour is teal" } }]);

    const search = toolCallsOf(await streamParts(call("What do you know about our refund policy?", [TOOLS.knowledgeSearch])));
    expect(search).toEqual([{ toolName: "knowledge_search", input: { query: "our refund policy" } }]);

    const schedule = toolCallsOf(await streamParts(call("Compile the weekly report in the background", [TOOLS.scheduleJob, TOOLS.knowledgeSearch])));
    expect(schedule).toEqual([{ toolName: "schedule_job", input: { task: "Compile the weekly report" } }]);
  });

  test("a tool named verbatim is called with args from its schema", async () => {
    const fetchTool = fn("web_fetch", { url: { type: "string" } });
    const calls = toolCallsOf(await streamParts(call("use web_fetch for the pricing page", [fetchTool, TOOLS.currentTime])));
    expect(calls).toEqual([{ toolName: "web_fetch", input: { url: "use web_fetch for the pricing page" } }]);
  });

  test("toolChoice none → text; a forced tool is called", async () => {
    const none = await streamParts({ ...call("What time is it in Tokyo?", [TOOLS.currentTime]), toolChoice: { type: "none" } });
    expect(toolCallsOf(none)).toEqual([]);
    const forced = await streamParts({ ...call("hello there", [TOOLS.currentTime, TOOLS.memoryStore]), toolChoice: { type: "tool", toolName: "memory_store" } });
    expect(toolCallsOf(forced).map((c) => c.toolName)).toEqual(["memory_store"]);
  });

  test("the call log records the prompt as given and the tools offered", async () => {
    const options = call("What time is it in Tokyo?", [TOOLS.currentTime, TOOLS.writer]);
    await streamParts(options);
    expect(offlineModelCalls).toHaveLength(1);
    expect(offlineModelCalls[0]?.method).toBe("stream");
    expect(offlineModelCalls[0]?.prompt).toEqual(options.prompt);
    expect(offlineModelCalls[0]?.toolNames).toEqual(["current_time", "delegate_writer"]);
    resetOfflineModelCalls();
    expect(offlineModelCalls).toHaveLength(0);
  });
});

describe("after tool results", () => {
  function afterResults(text: string, results: Array<{ toolName: string; input: unknown; output: LanguageModelV4ToolResultOutput }>) {
    const prompt: LanguageModelV4Prompt = [
      user(text),
      {
        role: "assistant",
        content: results.map((result, index) => ({ type: "tool-call", toolCallId: `c${index}`, toolName: result.toolName, input: result.input })),
      },
      {
        role: "tool",
        content: results.map((result, index) => ({
          type: "tool-result",
          toolCallId: `c${index}`,
          toolName: result.toolName,
          output: result.output,
        })),
      },
    ];
    return { prompt, tools: [TOOLS.currentTime, TOOLS.researcher, TOOLS.writer] } satisfies LanguageModelV4CallOptions;
  }

  test("answers with the time result, no new tool calls", async () => {
    const parts = await streamParts(
      afterResults("What time is it in Paris?", [
        {
          toolName: "current_time",
          input: { timezone: "Europe/Paris" },
          output: { type: "json", value: { timezone: "Europe/Paris", time: "14:05", date: "Saturday 21 November 2026" } },
        },
      ]),
    );
    expect(toolCallsOf(parts)).toEqual([]);
    expect(textOf(parts)).toContain("It is 14:05 in Europe/Paris (Saturday 21 November 2026).");
    expect(finishOf(parts).finishReason.unified).toBe("stop");
  });

  test("formats an ISO instant in the zone", async () => {
    const parts = await streamParts(
      afterResults("What time is it in Paris?", [
        { toolName: "current_time", input: { timezone: "Europe/Paris" }, output: { type: "json", value: { timezone: "Europe/Paris", iso: "2026-11-21T13:05:00Z" } } },
      ]),
    );
    expect(textOf(parts)).toContain("It is 14:05 in Europe/Paris (Saturday 21 November 2026).");
  });

  test("quotes each delegate's reply, attributed; says plainly when one was denied or failed", async () => {
    const parts = await streamParts(
      afterResults("ask the researcher to find X and the writer to draft Y", [
        { toolName: "delegate_researcher", input: { task: "find X" }, output: { type: "json", value: { reply: "X is 42." } } },
        { toolName: "delegate_writer", input: { task: "draft Y" }, output: { type: "execution-denied", reason: "Budget exhausted" } },
      ]),
    );
    const text = textOf(parts);
    expect(text).toContain("The researcher replied: “X is 42.”");
    expect(text).toContain("I couldn't ask the writer: the request was denied (Budget exhausted).");

    const failed = textOf(
      await streamParts(
        afterResults("what time is it", [{ toolName: "current_time", input: { timezone: "UTC" }, output: { type: "error-text", value: "clock unavailable" } }]),
      ),
    );
    expect(failed).toContain("The current_time tool failed with an error: clock unavailable.");

    const deniedText = textOf(
      await streamParts(afterResults("what time is it", [{ toolName: "current_time", input: {}, output: { type: "text", value: "Tool call denied by policy" } }])),
    );
    expect(deniedText).toContain("was denied");
  });
});

describe("faults (test-only)", () => {
  test("failNextCalls throws a retryable API error once, then works", async () => {
    const faults: FaultPlan = { failNextCalls: 1, error: "429" };
    const model = offlineModel({ faults });
    const options = call("hello");
    const error = await model.doStream(options).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(APICallError.isInstance(error)).toBe(true);
    if (!APICallError.isInstance(error)) return;
    expect(error.statusCode).toBe(429);
    expect(error.isRetryable).toBe(true);
    expect(faults.failNextCalls).toBe(0);
    expect(offlineModelCalls[0]?.fault).toBe("429");
    const parts = await streamParts(options, model);
    expect(textOf(parts).length).toBeGreaterThan(0);
  });

  test("failAfterChunks errors mid-stream after N deltas, once", async () => {
    const faults: FaultPlan = { failAfterChunks: 2, error: "5xx" };
    const model = offlineModel({ faults });
    const { stream } = await model.doStream(call("Please write a few sentences about the quarterly plan"));
    const reader = stream.getReader();
    const seen: LanguageModelV4StreamPart[] = [];
    let failure: unknown;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        seen.push(value);
      }
    } catch (error) {
      failure = error;
    }
    expect(seen.filter((part) => part.type === "text-delta")).toHaveLength(2);
    expect(seen.some((part) => part.type === "finish")).toBe(false);
    expect(APICallError.isInstance(failure) && failure.statusCode === 503 && failure.isRetryable).toBe(true);
    expect(faults.failAfterChunks).toBeUndefined();
    const again = await streamParts(call("Please write a few sentences about the quarterly plan"), model);
    expect(again.some((part) => part.type === "finish")).toBe(true);
  });
});

describe("driven by the AI SDK", () => {
  test("streamText streams the offline model's text and reports usage", async () => {
    const result = streamText({ model: offlineModel(), prompt: "Explain what a budget ledger is for." });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThanOrEqual(3);
    expect(deltas.join("")).toBe(await result.text);
    expect(await result.finishReason).toBe("stop");
    const usage = await result.usage;
    expect(usage.inputTokens).toBeGreaterThan(0);
    expect(usage.outputTokens).toBe(Math.ceil((await result.text).length / 4));
  });

  test("generateText runs a tool loop: tool call, execution, answer from the result", async () => {
    const executed: unknown[] = [];
    const result = await generateText({
      model: offlineModel(),
      prompt: "What time is it in Tokyo?",
      tools: {
        current_time: tool({
          description: "The current time in an IANA time zone.",
          inputSchema: jsonSchema<{ timezone: string }>({ type: "object", properties: { timezone: { type: "string" } }, required: ["timezone"] }),
          execute: (input) => {
            executed.push(input);
            return { timezone: input.timezone, time: "22:05", date: "Saturday 21 November 2026" };
          },
        }),
      },
      stopWhen: stepCountIs(3),
    });
    expect(executed).toEqual([{ timezone: "Asia/Tokyo" }]);
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]?.finishReason).toBe("tool-calls");
    expect(result.text).toContain("It is 22:05 in Asia/Tokyo (Saturday 21 November 2026).");
    expect(offlineModelCalls.map((c) => c.toolNames)).toEqual([["current_time"], ["current_time"]]);
  });

  test("streamText runs parallel delegations in one step", async () => {
    const asked: string[] = [];
    const delegate = (agent: string) =>
      tool({
        description: `Delegate a task to the ${agent}.`,
        inputSchema: jsonSchema<{ task: string; context?: string }>({
          type: "object",
          properties: { task: { type: "string" }, context: { type: "string" } },
          required: ["task"],
        }),
        execute: (input) => {
          asked.push(`${agent}: ${input.task}`);
          return { reply: `${agent} did "${input.task}".` };
        },
      });
    const result = streamText({
      model: offlineModel(),
      prompt: "Ask the researcher to find X and the writer to draft Y",
      tools: { delegate_researcher: delegate("researcher"), delegate_writer: delegate("writer") },
      stopWhen: stepCountIs(3),
    });
    const text = await result.text;
    expect(asked).toEqual(["researcher: find X", "writer: draft Y"]);
    const steps = await result.steps;
    expect(steps[0]?.toolCalls).toHaveLength(2);
    expect(text).toContain(`The researcher replied: “researcher did "find X".”`);
    expect(text).toContain(`The writer replied: “writer did "draft Y".”`);
  });

  test("the AI SDK's retry recovers from an injected failure", async () => {
    const faults: FaultPlan = { failNextCalls: 1, error: "5xx", retryAfterMs: 0 };
    const result = await generateText({ model: offlineModel({ faults }), prompt: "hello", maxRetries: 1 });
    expect(result.text).toContain("Hello!");
    expect(offlineModelCalls.map((c) => c.fault)).toEqual(["5xx", undefined]);
  });
});
