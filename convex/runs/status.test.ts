/** The one status machine: which moves a run may make, when it is over, what may reopen it. */
import { expect, test } from "vitest";
import { canMove, isEnded, reopen, transition, type RunStatus } from "./status";

const ALL: RunStatus[] = ["queued", "running", "waiting", "completed", "failed", "cancelled", "timed_out"];
const ENDED: RunStatus[] = ["completed", "failed", "cancelled", "timed_out"];

test("a run in progress may move anywhere forward; an ended run nowhere", () => {
  for (const from of ALL) {
    for (const to of ALL) {
      const allowed = !ENDED.includes(from) && to !== "queued";
      expect([from, to, canMove(from, to)]).toEqual([from, to, allowed]);
      if (allowed) expect(transition(from, to)).toBe(to);
      else expect(() => transition(from, to)).toThrow(`A run cannot go from ${from} to ${to}`);
    }
  }
});

test("ended means completed, failed, cancelled or timed out", () => {
  expect(ALL.filter((status) => isEnded({ status }))).toEqual(ENDED);
});

test("retry reopens a failed or cancelled run, resume a failed or timed-out one, restart any of the three", () => {
  expect(reopen("failed", "retry")).toBe("running");
  expect(reopen("cancelled", "retry")).toBe("running");
  expect(() => reopen("timed_out", "retry")).toThrow();
  expect(reopen("timed_out", "resume")).toBe("running");
  expect(() => reopen("cancelled", "resume")).toThrow();
  expect(reopen("cancelled", "restart", "queued")).toBe("queued");
  for (const open of ["queued", "running", "waiting", "completed"] as const) {
    expect(() => reopen(open, "restart")).toThrow(`A ${open} run cannot be reopened by restart`);
  }
});
