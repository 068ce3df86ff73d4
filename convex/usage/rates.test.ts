/**
 * The send rate as the Usage page shows it: what is left after each message,
 * when it refills, and that reading it takes nothing from the bucket.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { SEND_RATE } from "./rates";
import { codeOf, newHarness } from "../test.setup";
import { send, userWithThread } from "../chat/testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

test("a full bucket, then one fewer per message, refilling at the configured rate", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  const read = () => user.client.query(api.usage.rates.sendRate, { accountId: user.accountId });

  const fresh = await read();
  expect(fresh).toMatchObject({ name: "send", capacity: SEND_RATE.capacity, rate: SEND_RATE.rate, periodMs: SEND_RATE.periodMs, available: SEND_RATE.capacity, nextInMs: null, fullInMs: null });
  // Reading consumed nothing.
  expect((await read()).available).toBe(SEND_RATE.capacity);

  for (let i = 0; i < 3; i++) await send(user, thread.threadId, `Message ${i}`);
  const after = await read();
  const perToken = SEND_RATE.periodMs / SEND_RATE.rate;
  expect(after.available).toBe(SEND_RATE.capacity - 3);
  expect(after.nextInMs).toBeGreaterThan(0);
  expect(after.nextInMs!).toBeLessThanOrEqual(perToken);
  expect(after.fullInMs!).toBeGreaterThan(2 * perToken);
  expect(after.fullInMs!).toBeLessThanOrEqual(3 * perToken);

  // Emptied: nothing left, and sending is refused until the next token arrives.
  for (let i = 3; i < SEND_RATE.capacity; i++) await send(user, thread.threadId, `Message ${i}`);
  const empty = await read();
  expect(empty.available).toBe(0);
  expect(await codeOf(send(user, thread.threadId, "one too many"))).toBe("rate_limited");

  // Time passes (the clock only: the queued turns stay unscheduled): it refills.
  vi.setSystemTime(Date.now() + SEND_RATE.periodMs);
  expect((await read()).available).toBe(SEND_RATE.capacity);
});

test("signed out: unauthenticated", async () => {
  const t = newHarness();
  const { user } = await userWithThread(t);
  expect(await codeOf(t.query(api.usage.rates.sendRate, { accountId: user.accountId }))).toBe("unauthenticated");
});
