import { useEffect, useId, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { FunctionReturnType } from "../lib/convex";
import { errorText } from "../lib/errors";
import { duration } from "../lib/format";
import { useQueryResult } from "../lib/useQueryResult";
import { useAccount } from "../shell/AccountProvider";
import "./usage.css";

/**
 * Your send rate: messages you may send now and when the bucket refills. The
 * server answers at the time of its last change; between changes the bucket
 * refills linearly, so the count is extrapolated here, second by second.
 */
export function SendRate() {
  const { accountId } = useAccount();
  const { data: rate, error } = useQueryResult(api.usage.rates.sendRate, { accountId });
  const now = useNow(rate !== undefined && rate.available < rate.capacity);
  const id = useId();
  return (
    <section aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Sending rate</h2>
      {error !== null ? (
        <p className="error" role="alert" data-testid="rate-error">
          Could not load your sending rate: {errorText(error)}
        </p>
      ) : rate === undefined ? (
        <p className="muted" role="status" data-testid="rate-loading">
          Loading your sending rate…
        </p>
      ) : (
        <RateLine rate={rate} now={now} />
      )}
    </section>
  );
}

type Rate = FunctionReturnType<typeof api.usage.rates.sendRate>;

function RateLine({ rate, now }: { rate: Rate; now: number }) {
  const perToken = rate.periodMs / rate.rate;
  const elapsed = Math.max(0, now - rate.checkedAt);
  const arrived = rate.nextInMs === null || elapsed < rate.nextInMs ? 0 : 1 + Math.floor((elapsed - rate.nextInMs) / perToken);
  const available = Math.min(rate.capacity, rate.available + arrived);
  const full = available >= rate.capacity;
  const nextIn = full || rate.nextInMs === null ? null : rate.nextInMs + arrived * perToken - elapsed;
  const fullIn = full || rate.fullInMs === null ? null : Math.max(0, rate.fullInMs - elapsed);
  const perMinute = (rate.rate * 60_000) / rate.periodMs;
  return (
    <div data-testid="rate" data-available={available} data-capacity={rate.capacity} data-limited={available === 0 ? "true" : "false"}>
      <p>
        <strong data-testid="rate-available">
          {available} of {rate.capacity}
        </strong>{" "}
        messages you can send right now.
      </p>
      <meter className="meter" min={0} max={rate.capacity} value={available} low={Math.ceil(rate.capacity / 4)} optimum={rate.capacity} aria-label="Messages you can send now" />
      <p className="muted small" data-testid="rate-refill">
        {full
          ? `Full. It refills at ${perMinute.toLocaleString()} a minute after you send.`
          : `One more in ${duration(nextIn ?? 0)}; full again in ${duration(fullIn ?? 0)} (${perMinute.toLocaleString()} a minute).`}
        {available === 0 && " Until then, sending is refused with “too quickly”."}
      </p>
    </div>
  );
}

/** The time, re-rendered every second while `ticking`. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const tick = () => setNow(Date.now());
    const first = window.setTimeout(tick, 0); // at once (the time kept from mounting may be old), then every second
    const timer = window.setInterval(tick, 1000);
    return () => {
      window.clearTimeout(first);
      window.clearInterval(timer);
    };
  }, [ticking]);
  return now;
}
