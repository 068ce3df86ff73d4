import { describe, expect, test } from "vitest";
import type { OfferedTool } from "./conversation";
import { agentOfTool, chooseToolCalls } from "./toolChoice";

function tool(name: string, properties: Record<string, { type: string }> = {}, required = Object.keys(properties)): OfferedTool {
  return { name, description: "", schema: { type: "object", properties, required } };
}

const TIME = tool("current_time", { timezone: { type: "string" } });
const MEMORY = tool("memory_store", { fact: { type: "string" } });
const SEARCH = tool("knowledge_search", { query: { type: "string" } });
const SCHEDULE = tool("schedule_job", { task: { type: "string" }, delaySeconds: { type: "number" } }, ["task"]);
const RESEARCHER = tool("delegate_researcher", { task: { type: "string" }, context: { type: "string" } });
const TASK_UPDATE = tool("task_update", { task: { type: "string" }, status: { type: "string" } });
const AUTO = { type: "auto" } as const;

describe("intents mapped onto the tools offered", () => {
  test("a request calls its tool only when that tool is offered", () => {
    expect(chooseToolCalls("What time is it in Tokyo?", [TIME, MEMORY], AUTO)).toEqual([{ toolName: "current_time", input: { timezone: "Asia/Tokyo" } }]);
    expect(chooseToolCalls("What time is it in Tokyo?", [MEMORY, SEARCH], AUTO)).toEqual([]);
  });

  test("a tool whose name looks the part serves the intent when the usual one is missing", () => {
    expect(chooseToolCalls("what time is it in Paris", [tool("get_time", { tz: { type: "string" } })], AUTO)).toEqual([{ toolName: "get_time", input: { tz: "Europe/Paris" } }]);
  });

  test("schedule wins alone, with the delay read into its schema; without the tool the message falls through to delegation", () => {
    const message = "Ask the researcher to compile the figures in the background in 5 minutes";
    expect(chooseToolCalls(message, [SCHEDULE, RESEARCHER], AUTO)).toEqual([
      { toolName: "schedule_job", input: { task: "Ask the researcher to compile the figures", delaySeconds: 300 } },
    ]);
    expect(chooseToolCalls(message, [RESEARCHER], AUTO).map((call) => call.toolName)).toEqual(["delegate_researcher"]);
  });

  test("delegation fills the task and passes the whole message as context", () => {
    expect(chooseToolCalls("Ask the researcher to find the churn numbers", [RESEARCHER, SEARCH], AUTO)).toEqual([
      { toolName: "delegate_researcher", input: { task: "find the churn numbers", context: "Ask the researcher to find the churn numbers" } },
    ]);
  });

  test("the board: the first reading whose tool is offered", () => {
    // Of the board tools only task_update is offered; without it, nothing.
    expect(chooseToolCalls("Move “Brief” to done", [TASK_UPDATE], AUTO)).toEqual([{ toolName: "task_update", input: { task: "Brief", status: "done" } }]);
    expect(chooseToolCalls("Move “Brief” to done", [TIME], AUTO)).toEqual([]);
  });

  test("time, memory and search asked together each get their call; a tool named verbatim is added once", () => {
    const calls = chooseToolCalls("What time is it in Tokyo? Also remember that I fly on Friday, and use current_time", [TIME, MEMORY], AUTO);
    expect(calls).toEqual([
      { toolName: "current_time", input: { timezone: "Asia/Tokyo" } },
      { toolName: "memory_store", input: { fact: "I fly on Friday, and use current_time" } },
    ]);
    const fetchTool = tool("web_fetch", { url: { type: "string" } });
    expect(chooseToolCalls("use web_fetch on https://example.com/pricing.", [fetchTool], AUTO)).toEqual([
      { toolName: "web_fetch", input: { url: "https://example.com/pricing" } },
    ]);
  });

  test("toolChoice: a forced tool is called even with no intent; required calls the first tool; a job's result never calls", () => {
    expect(chooseToolCalls("hello there", [TIME, MEMORY], { type: "tool", toolName: "memory_store" })).toEqual([{ toolName: "memory_store", input: { fact: "hello there" } }]);
    expect(chooseToolCalls("What time is it in Tokyo?", [TIME, MEMORY], { type: "tool", toolName: "memory_store" }).map((c) => c.toolName)).toEqual(["memory_store"]);
    expect(chooseToolCalls("hello there", [TIME], { type: "required" })).toEqual([{ toolName: "current_time", input: { timezone: "hello there" } }]);
    expect(chooseToolCalls("[Background job “S” finished — task: what time is it in Tokyo]", [TIME], AUTO)).toEqual([]);
  });

  test("agentOfTool reads the agent out of a delegation tool's name", () => {
    expect(agentOfTool("delegate_research_lead")).toBe("research_lead");
    expect(agentOfTool("ask_writer")).toBe("writer");
    expect(agentOfTool("handoff_to_support")).toBe("support");
    expect(agentOfTool("current_time")).toBeUndefined();
  });
});
