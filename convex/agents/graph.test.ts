import { describe, expect, test } from "vitest";
import {
  checkComposition,
  checkLineage,
  describeRefusal,
  findCycle,
  formatChain,
  graphDepth,
  longestChain,
  longestChainThrough,
  refusedChain,
  type Edge,
} from "./graph";

const e = (from: string, to: string): Edge => ({ from, to });
const upper = (n: string) => n.toUpperCase();

describe("findCycle", () => {
  test("no cycle in a chain extended at its end", () => {
    expect(findCycle([e("a", "b"), e("b", "c")], "c", "d")).toBeNull();
  });

  test("closing a chain back to its start names the whole cycle, from the target round", () => {
    expect(findCycle([e("a", "b"), e("b", "c")], "c", "a")).toEqual(["a", "b", "c", "a"]);
  });

  test("delegating to oneself is a cycle", () => {
    expect(findCycle([], "a", "a")).toEqual(["a", "a"]);
  });

  test("two agents delegating to each other", () => {
    expect(findCycle([e("a", "b")], "b", "a")).toEqual(["a", "b", "a"]);
  });

  test("a diamond is not a cycle", () => {
    expect(findCycle([e("a", "b"), e("a", "c"), e("b", "d")], "c", "d")).toBeNull();
  });

  test("the shortest cycle is named when there are several", () => {
    const edges = [e("a", "b"), e("b", "c"), e("c", "d"), e("a", "d")];
    expect(findCycle(edges, "d", "a")).toEqual(["a", "d", "a"]);
  });
});

describe("depth", () => {
  test("longest chain through a new edge joins the longest way in and the longest way out", () => {
    const edges = [e("x", "a"), e("w", "x"), e("b", "c"), e("c", "d"), e("b", "z")];
    expect(longestChainThrough(edges, "a", "b")).toEqual(["w", "x", "a", "b", "c", "d"]);
  });

  test("an isolated edge is a chain of two", () => {
    expect(longestChainThrough([], "a", "b")).toEqual(["a", "b"]);
  });

  test("graph depth counts edges of the longest chain", () => {
    expect(graphDepth([])).toBe(0);
    expect(graphDepth([e("a", "b")])).toBe(1);
    expect(graphDepth([e("a", "b"), e("b", "c"), e("a", "c"), e("x", "y")])).toBe(2);
    expect(longestChain([e("a", "b"), e("b", "c"), e("a", "c")])).toEqual(["a", "b", "c"]);
  });

  test("bad data with a cycle does not loop forever", () => {
    expect(graphDepth([e("a", "b"), e("b", "a")])).toBe(1);
  });
});

describe("checkComposition", () => {
  const chain3 = [e("a", "b"), e("b", "c"), e("c", "d")];

  test("a chain of exactly the limit is allowed", () => {
    expect(checkComposition([e("a", "b"), e("b", "c")], "c", "d", 3)).toEqual({ ok: true, chain: ["a", "b", "c", "d"] });
  });

  test("one more edge than the limit is refused, naming the chain", () => {
    const result = checkComposition(chain3, "d", "e", 3);
    expect(result).toEqual({ ok: false, reason: "depth", chain: ["a", "b", "c", "d", "e"] });
    if (result.ok) throw new Error("expected a refusal");
    expect(describeRefusal(result, upper, 3)).toBe(
      "This delegation would create a chain of 4 delegations (A → B → C → D → E), over this account's limit of 3.",
    );
  });

  test("adding in front of a chain counts the chain behind it", () => {
    expect(checkComposition(chain3, "z", "a", 3)).toMatchObject({ ok: false, reason: "depth", chain: ["z", "a", "b", "c", "d"] });
  });

  test("a cycle is reported before depth", () => {
    const result = checkComposition(chain3, "d", "a", 10);
    expect(result).toEqual({ ok: false, reason: "cycle", cycle: ["a", "b", "c", "d", "a"] });
    if (result.ok) throw new Error("expected a refusal");
    expect(describeRefusal(result, upper, 10)).toBe("This delegation would create a cycle: A → B → C → D → A.");
    expect(refusedChain(result, upper)).toEqual({
      reason: "cycle",
      agents: ["a", "b", "c", "d", "a"].map((agentId) => ({ agentId, name: agentId.toUpperCase() })),
    });
  });

  test("re-checking an existing edge ignores that edge", () => {
    expect(checkComposition([e("a", "b")], "a", "b", 1)).toEqual({ ok: true, chain: ["a", "b"] });
  });
});

describe("checkLineage (run time)", () => {
  test("a target already in the lineage is a cycle from its first appearance", () => {
    expect(checkLineage(["a", "b", "c"], "b", 5)).toEqual({ ok: false, reason: "cycle", cycle: ["b", "c", "b"] });
  });

  test("depth counts the edges the lineage would have", () => {
    expect(checkLineage(["a", "b", "c"], "d", 3)).toEqual({ ok: true, chain: ["a", "b", "c", "d"] });
    expect(checkLineage(["a", "b", "c", "d"], "e", 3)).toMatchObject({ ok: false, reason: "depth" });
  });

  test("formatChain joins names with arrows", () => {
    expect(formatChain(["a", "b"], upper)).toBe("A → B");
  });
});
