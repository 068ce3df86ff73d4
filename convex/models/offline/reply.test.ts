import { describe, expect, test } from "vitest";
import { ASSISTANT_TOOLS, fnTool, replyTo } from "./testkit.testing";

describe("when it cannot really answer: what it is, what it can do here, where to connect a real model", () => {
  test("the fallback says it is the built-in offline model and names Settings → Models and the Agents page", () => {
    const text = replyTo("Can you explain how durable workflows recover after a crash?");
    expect(text).toMatch(/^I'm the built-in offline model: I work without any network connection, so I can't give you a real answer to that\./);
    expect(text).toContain("an account admin can connect a model provider in Settings → Models, then choose its model for this agent on the Agents page.");
    expect(text).not.toMatch(/durable|workflows|crash/i);
  });

  test("what it can do follows the tools offered, each with a request to type", () => {
    const withTools = replyTo("Write me a poem about autumn leaves", ASSISTANT_TOOLS);
    expect(withTools).toContain("pass work to the researcher (“ask the researcher to …”)");
    expect(withTools).toContain("tell the time in a city (“what time is it in Tokyo?”)");
    expect(withTools).toContain("remember something for you (“remember that …”)");
    expect(withTools).toContain("search the knowledge base (“search for …”)");
    expect(withTools).toContain("keep the task board (“add a task: …”, “move … to done”)");
    expect(withTools).toContain("run work in the background (“… in the background”)");

    const timeOnly = replyTo("Write me a poem about autumn leaves", [fnTool("current_time", ["timezone"])]);
    expect(timeOnly).toContain("Here I can tell the time in a city");
    expect(timeOnly).not.toMatch(/task board|researcher|search the knowledge base/);

    expect(replyTo("Write me a poem about autumn leaves")).toContain("Here I have no tools");
  });

  test("an agent named in the system prompt introduces itself; a greeting asks what to do next", () => {
    const text = replyTo("Hello there", [], "You are Atlas, a helpful assistant.");
    expect(text).toMatch(/^Hello! I'm Atlas, running on the built-in offline model: /);
    expect(text).toContain("Settings → Models");
    expect(text).toMatch(/What would you like to do\?$/);
  });

  test("an empty message is said to be empty, and still says how to connect a model", () => {
    const text = replyTo("");
    expect(text).toMatch(/^Your message had no text in it/);
    expect(text).toContain("Settings → Models");
  });
});

describe("answers that quote what the conversation brought", () => {
  test("retrieved knowledge: the matching entries, cited, not the question", () => {
    const system = ["You are Atlas.", "Context:", "[1] The refund window is 30 days from delivery.", "[2] Shipping to Canada takes 5 to 7 business days."].join("\n");
    const text = replyTo("How long is the refund window for my order?", [], system);
    expect(text).toBe(
      "Here is what I found in the knowledge I was given: The refund window is 30 days from delivery [1]. Let me know if you'd like more detail on any of these sources.",
    );
  });

  test("a summarize job: the material's first sentences, titled with its task; plainly nothing when there is none", () => {
    const material = ["user: Tides rise twice a day.", "assistant: The moon pulls the water. Spring tides are larger. Neap tides are smaller."].join("\n");
    expect(replyTo(`Task: the tide tables\n\nMaterial:\n${material}`)).toBe(
      "Summary for “the tide tables”: Tides rise twice a day. The moon pulls the water. Spring tides are larger.",
    );
    expect(replyTo("Task: the tide tables\n\nMaterial:\n(nothing to summarise)")).toBe("There was nothing to summarise for “the tide tables” yet.");
  });

  test("a finished job's follow-up passes its result on", () => {
    const prompt = [
      "[Background job “Summarise” finished — task: the quarter]",
      "Its result:",
      "Revenue grew 4%. Churn fell.",
      "Continue the conversation with this result: tell the user what it found.",
    ].join("\n\n");
    expect(replyTo(prompt, ASSISTANT_TOOLS)).toBe("Your background job “Summarise” is done. Here is what it found:\n\nRevenue grew 4%. Churn fell.");
  });

  test("a Markdown sample on request", () => {
    expect(replyTo("show me a markdown sample")).toMatch(/^## Formatting sample\n/);
  });
});
