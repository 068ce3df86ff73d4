// @vitest-environment node
/**
 * The log view's parts on their own: the ring's bound, the filter by tree,
 * capture that prints exactly what it printed before, and an escaped page.
 */
import { describe, expect, test } from "vitest";
import { captureFunctionLogs, escapeHtml, LogRing, parseRoot, renderLogPage, type LogLine, type LogLevel } from "./functionLogs";

const line = (message: string, time = 1_700_000_000_000): LogLine => ({ time, function: "chat/turn:step", level: "log", message });
const runLine = (fields: Record<string, string>) => line(JSON.stringify({ ...fields, event: "step" }));

describe("LogRing", () => {
  test("keeps the last `capacity` lines, oldest first, and counts every line added", () => {
    const ring = new LogRing(3);
    for (let i = 1; i <= 5; i++) ring.add(line(`line ${i}`));
    expect(ring.lines().map((l) => l.message)).toEqual(["line 3", "line 4", "line 5"]);
    expect(ring.total).toBe(5);
    expect(ring.capacity).toBe(3);
  });

  test("a tree's lines: its root's own, its children's (by root_interaction_id), not another tree's nor unrelated lines", () => {
    const ring = new LogRing(10);
    ring.add(runLine({ interactionId: "1root", root_interaction_id: "1root" }));
    ring.add(runLine({ interactionId: "2child", root_interaction_id: "1root", parent_interaction_id: "1root" }));
    ring.add(runLine({ interactionId: "3other", root_interaction_id: "3other" }));
    ring.add(runLine({ interactionId: "1root" })); // a line that names the run alone (ops/hold.ts)
    ring.add(line("plain text mentioning 1root"));
    ring.add(line("{not json 1root"));
    expect(ring.ofTree("1root").map((l) => (JSON.parse(l.message) as { interactionId: string }).interactionId)).toEqual(["1root", "2child", "1root"]);
    expect(ring.ofTree("3other")).toHaveLength(1);
    expect(ring.ofTree("2child")).toEqual([]);
  });

  test("a dropped line no longer matches", () => {
    const ring = new LogRing(2);
    ring.add(runLine({ interactionId: "1root", root_interaction_id: "1root" }));
    ring.add(line("a"));
    ring.add(line("b"));
    expect(ring.ofTree("1root")).toEqual([]);
  });

  test("refuses a capacity that is not a positive integer", () => {
    expect(() => new LogRing(0)).toThrow(/positive integer/);
    expect(() => new LogRing(1.5)).toThrow(/positive integer/);
  });
});

describe("captureFunctionLogs", () => {
  function fakeConsole() {
    const printed: Array<[LogLevel, unknown[]]> = [];
    const target = {
      debug: (...args: unknown[]) => printed.push(["debug", args]),
      log: (...args: unknown[]) => printed.push(["log", args]),
      info: (...args: unknown[]) => printed.push(["info", args]),
      warn: (...args: unknown[]) => printed.push(["warn", args]),
      error: (...args: unknown[]) => printed.push(["error", args]),
    };
    return { target, printed };
  }

  test("prints every line as before, and keeps only those printed inside a function, with its name and level", () => {
    const { target, printed } = fakeConsole();
    const ring = new LogRing(10);
    let running: string | null = null;
    const stop = captureFunctionLogs(ring, () => running, target);
    target.log("engine line");
    running = "chat/turn:step";
    const error = new Error("boom");
    target.warn("careful %d", 3, { a: 1 });
    target.error(error);
    running = null;
    expect(printed).toEqual([
      ["log", ["engine line"]],
      ["warn", ["careful %d", 3, { a: 1 }]],
      ["error", [error]],
    ]);
    expect(ring.lines().map(({ function: fn, level, message }) => ({ fn, level, message: message.split("\n")[0] }))).toEqual([
      { fn: "chat/turn:step", level: "warn", message: "careful 3 { a: 1 }" },
      { fn: "chat/turn:step", level: "error", message: "Error: boom" },
    ]);
    stop();
    running = "chat/turn:step";
    target.log("after stop");
    expect(ring.total).toBe(2);
    expect(printed.at(-1)).toEqual(["log", ["after stop"]]);
  });

  test("stopping restores the methods it replaced, and leaves a later wrapper in place (switched off underneath)", () => {
    const { target, printed } = fakeConsole();
    const original = target.info;
    const ring = new LogRing(10);
    const stop = captureFunctionLogs(ring, () => "f:g", target);
    const ours = target.log;
    const later = (...args: unknown[]) => ours("later:", ...args);
    target.log = later;
    stop();
    expect(target.info).toBe(original);
    expect(target.log).toBe(later);
    target.log("x");
    expect(printed.at(-1)).toEqual(["log", ["later:", "x"]]);
    expect(ring.total).toBe(0);
  });
});

describe("the page and its input", () => {
  test("every message and function name is HTML-escaped", () => {
    const ring = new LogRing(10);
    const hostile: LogLine = { time: 0, function: "x:<b>", level: "error", message: `{"root_interaction_id":"1root","note":"<script>alert('x')</script> & co"}` };
    const page = renderLogPage("1root", [hostile], ring);
    expect(page).not.toContain("<script>");
    expect(page).not.toContain("<b>");
    expect(page).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co");
    expect(page).toContain("&quot;root_interaction_id&quot;:&quot;1root&quot;");
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });

  test("an empty tree says so; the bound is stated", () => {
    const ring = new LogRing(7);
    const page = renderLogPage("1root", [], ring);
    expect(page).toContain("No kept line belongs to this run tree.");
    expect(page).toContain("at most 7");
  });

  test("root is required and must look like an id", () => {
    expect(parseRoot(null)).toEqual({ error: expect.stringMatching(/root interaction id/) });
    expect(parseRoot("")).toEqual({ error: expect.stringMatching(/root interaction id/) });
    expect(parseRoot("<script>")).toEqual({ error: expect.stringMatching(/must be an interaction id/) });
    expect(parseRoot("x".repeat(129))).toEqual({ error: expect.stringMatching(/must be an interaction id/) });
    expect(parseRoot("10042;interactions")).toEqual({ root: "10042;interactions" });
  });
});
