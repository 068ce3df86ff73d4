// @vitest-environment node
import { AsyncLocalStorage as NodeAsyncLocalStorage } from "node:async_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { expect, test } from "vitest";
import { AsyncLocalStorage } from "./asyncContext";

test("each instance keeps its own store across awaits, timers and nesting, like Node's", async () => {
  const a = new AsyncLocalStorage<string>();
  const b = new AsyncLocalStorage<number>();
  expect(a.getStore()).toBeUndefined();
  await a.run("outer", async () => {
    expect(a.getStore()).toBe("outer");
    expect(b.getStore()).toBeUndefined();
    await b.run(1, async () => {
      await sleep(1);
      expect([a.getStore(), b.getStore()]).toEqual(["outer", 1]);
      const inner = a.run("inner", async () => {
        await sleep(1);
        return [a.getStore(), b.getStore()];
      });
      expect(a.getStore()).toBe("outer");
      expect(await inner).toEqual(["inner", 1]);
      const timer = await new Promise((resolve) => setTimeout(() => resolve([a.getStore(), b.getStore()]), 1));
      expect(timer).toEqual(["outer", 1]);
    });
    expect(b.getStore()).toBeUndefined();
  });
  expect(a.getStore()).toBeUndefined();
});

test("exit clears only its own instance, for what it starts too; enterWith sets it for the rest of the execution", async () => {
  const a = new AsyncLocalStorage<string>();
  const b = new AsyncLocalStorage<string>();
  await a.run("a", () =>
    b.run("b", async () => {
      const later = a.exit(() => new Promise((resolve) => setTimeout(() => resolve([a.getStore(), b.getStore()]), 1)));
      expect(a.getStore()).toBe("a");
      expect(await later).toEqual([undefined, "b"]);
    }),
  );
  const seen = await new Promise((resolve) => {
    setTimeout(() => {
      a.enterWith("entered");
      void Promise.resolve().then(() => resolve(a.getStore()));
    }, 1);
  });
  expect(seen).toBe("entered");
});

test("Node's own storages and snapshots see through it", async () => {
  const shared = new AsyncLocalStorage<string>();
  const node = new NodeAsyncLocalStorage<string>();
  const snapshot = await node.run("node", () => shared.run("shared", async () => NodeAsyncLocalStorage.snapshot()));
  expect(shared.getStore()).toBeUndefined();
  expect(snapshot(() => [shared.getStore(), node.getStore()])).toEqual(["shared", "node"]);
  // Disabled: no store until the next run.
  shared.run("x", () => {
    shared.disable();
    expect(shared.getStore()).toBeUndefined();
  });
  expect(shared.run("y", () => shared.getStore())).toBe("y");
});
