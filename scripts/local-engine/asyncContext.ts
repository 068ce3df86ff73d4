/**
 * `AsyncLocalStorage` for convex-test and the engine, many instances on ONE
 * of Node's.
 *
 * Why: on Node 20 every enabled `AsyncLocalStorage` is copied onto every
 * promise and async resource created anywhere in the process (an `init` hook
 * per resource, one `_propagate` per instance). convex-test creates six
 * (nested transaction, auth, instance state, execution context, request
 * metadata, global overrides) and the engine two (read sets, pagination
 * journals): a CPU profile of 8 parallel delegations on the engine spent
 * ~22% of its time in those hooks (scripts/bench/fanout.engine.run.ts,
 * /work/notes/r6/engine-notes.md). Here each instance is a slot in a frame
 * (a small array) held by a single real `AsyncLocalStorage`: a promise pays
 * for one propagation, and `run` copies the frame (a few slots) instead.
 * Node 22+'s AsyncContextFrame does the same inside Node.
 *
 * The engine's Vite loader gives this module to convex-test in place of
 * `node:async_hooks` (engine.ts); everything else convex-test imports from
 * there is Node's own. Semantics are `AsyncLocalStorage`'s: a store follows
 * the async resources created while it is active; `exit` runs with no store
 * for this instance only; `enterWith` replaces it for the rest of the
 * current synchronous execution and what it starts.
 */
import { AsyncLocalStorage as NodeAsyncLocalStorage } from "node:async_hooks";

export * from "node:async_hooks";

type Frame = readonly unknown[];
const frames = new NodeAsyncLocalStorage<Frame>();
const EMPTY: Frame = [];
let nextSlot = 0;

function withSlot(frame: Frame | undefined, slot: number, store: unknown): Frame {
  const next = (frame ?? EMPTY).slice();
  next[slot] = store;
  return next;
}

export class AsyncLocalStorage<T> {
  private readonly slot = nextSlot++;
  private enabled = true;

  static bind = NodeAsyncLocalStorage.bind.bind(NodeAsyncLocalStorage);
  static snapshot = NodeAsyncLocalStorage.snapshot.bind(NodeAsyncLocalStorage);

  getStore(): T | undefined {
    return this.enabled ? (frames.getStore()?.[this.slot] as T | undefined) : undefined;
  }

  run<R, A extends unknown[]>(store: T, callback: (...args: A) => R, ...args: A): R {
    this.enabled = true;
    const frame = frames.getStore();
    if (Object.is(frame?.[this.slot], store)) return callback(...args);
    return frames.run(withSlot(frame, this.slot, store), callback, ...args);
  }

  exit<R, A extends unknown[]>(callback: (...args: A) => R, ...args: A): R {
    const frame = frames.getStore();
    if (frame?.[this.slot] === undefined) return callback(...args);
    return frames.run(withSlot(frame, this.slot, undefined), callback, ...args);
  }

  enterWith(store: T): void {
    this.enabled = true;
    frames.enterWith(withSlot(frames.getStore(), this.slot, store));
  }

  /** Like Node's: no store until the next `run` / `enterWith` (stores already propagated stay where they are, unread). */
  disable(): void {
    this.enabled = false;
  }
}
