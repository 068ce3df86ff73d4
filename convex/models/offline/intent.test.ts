import { describe, expect, test } from "vitest";
import { readReplyIntent, readToolIntents } from "./intent";

const AGENTS = ["researcher", "writer", "research_lead"];

describe("readToolIntents: what the user asked a tool for, whatever is offered", () => {
  test("schedule: the work to run later, without the scheduling words", () => {
    expect(readToolIntents("Compile the weekly report in the background", [])?.schedule).toEqual({ task: "Compile the weekly report" });
    expect(readToolIntents("Please schedule a job to email the team in 5 minutes", [])?.schedule).toEqual({ task: "email the team" });
    expect(readToolIntents("What's on my schedule today?", [])?.schedule).toBeUndefined();
  });

  test("delegation: each agent named after a delegation verb, in message order, with its own task", () => {
    expect(readToolIntents("Have the writer polish the intro, then ask the researcher to check the figures", AGENTS)?.delegations).toEqual([
      { agent: "writer", task: "polish the intro" },
      { agent: "researcher", task: "check the figures" },
    ]);
    expect(readToolIntents("@research-lead compare the three vendors", AGENTS)?.delegations).toEqual([{ agent: "research_lead", task: "compare the three vendors" }]);
    expect(readToolIntents("Delegate the vendor comparison to the researcher", AGENTS)?.delegations).toEqual([{ agent: "researcher", task: "the vendor comparison" }]);
    // A possessive, an agent nobody can ask, no verb: not delegations.
    expect(readToolIntents("Have a look at the writer's draft", AGENTS)?.delegations).toEqual([]);
    expect(readToolIntents("Ask the lawyer to check the contract", AGENTS)?.delegations).toEqual([]);
    expect(readToolIntents("The researcher was helpful", AGENTS)?.delegations).toEqual([]);
    expect(readToolIntents("Ask the researcher to check", [])?.delegations).toEqual([]);
  });

  test("the task board: every reading that matches, most specific first", () => {
    expect(readToolIntents("Add a task: write the launch brief", [])?.tasks[0]).toEqual({ toolName: "task_create", input: { title: "write the launch brief" } });
    expect(readToolIntents("Create a task called “Book the venue” in the doing column", [])?.tasks[0]).toEqual({
      toolName: "task_create",
      input: { title: "Book the venue", status: "doing" },
    });
    expect(readToolIntents("Move “Book the venue” to In progress", [])?.tasks).toEqual([{ toolName: "task_update", input: { task: "Book the venue", status: "in_progress" } }]);
    expect(readToolIntents("Mark the brief as done", [])?.tasks).toEqual([{ toolName: "task_complete", input: { task: "brief" } }]);
    expect(readToolIntents("What's on the board?", [])?.tasks).toEqual([{ toolName: "task_list", input: {} }]);
  });

  test("time, memory, search and a URL", () => {
    expect(readToolIntents("What time is it in Tokyo?", [])?.time).toEqual({ timezone: "Asia/Tokyo" });
    expect(readToolIntents("what's the current time in Europe/Paris", [])?.time).toEqual({ timezone: "Europe/Paris" });
    expect(readToolIntents("Local time in London please", [])?.time).toEqual({ timezone: "Europe/London" });
    expect(readToolIntents("I spent too much time in meetings today.", [])?.time).toBeUndefined();
    expect(readToolIntents("Please remember that my favourite colour is teal.", [])?.remember).toEqual({ fact: "my favourite colour is teal" });
    expect(readToolIntents("What do you know about our refund policy?", [])?.search).toEqual({ query: "our refund policy" });
    expect(readToolIntents("Read https://example.com/pricing.", [])?.url).toBe("https://example.com/pricing");
  });

  test("nothing a tool could serve: an empty message, a finished job's result", () => {
    expect(readToolIntents("", AGENTS)).toBeUndefined();
    expect(readToolIntents("[Background job “Summarise” finished — task: ask the researcher to look]\n\nIts result:\n\nDone.", AGENTS)).toBeUndefined();
    expect(readToolIntents("Tell me a story about a lighthouse", AGENTS)).toEqual({ delegations: [], tasks: [] });
  });
});

describe("readReplyIntent: the kind of text answer", () => {
  test("each kind", () => {
    expect(readReplyIntent("")).toEqual({ kind: "empty" });
    expect(readReplyIntent("Show me a markdown sample")).toEqual({ kind: "markdown-sample" });
    expect(readReplyIntent("Good morning!")).toEqual({ kind: "greeting" });
    expect(readReplyIntent("Explain tides to me")).toEqual({ kind: "other" });
  });

  test("the prompts background jobs write (jobs/followUp.ts, jobs/modelWork.ts)", () => {
    const followUp = [
      "[Background job “Summarise” finished — task: the quarter]",
      "Its result:",
      "Revenue grew 4%.\nChurn fell.",
      "Continue the conversation with this result: tell the user what it found.",
    ].join("\n\n");
    expect(readReplyIntent(followUp)).toEqual({ kind: "job-result", label: "Summarise", result: "Revenue grew 4%.\nChurn fell." });
    expect(readReplyIntent("Task: the tide tables\n\nMaterial:\nuser: Tides rise twice a day.\n")).toEqual({
      kind: "job-work",
      task: "the tide tables",
      material: "user: Tides rise twice a day.",
    });
  });
});
