import { useState, type FormEvent } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useMutation, useQuery } from "../lib/convex";
import { useRun } from "../lib/useRun";

/** An account's rate limits (turns and API requests per minute): the defaults or its own, editable by platform admins (audited). */
export function AccountRateLimits({ accountId }: { accountId: Id<"accounts"> }) {
  const limits = useQuery(api.usage.accountRates.limits, { accountId });
  const setLimits = useMutation(api.usage.accountRates.setLimits);
  const [turns, setTurns] = useState("");
  const [requests, setRequests] = useState("");
  const save = useRun(async () => {
    await setLimits({
      accountId,
      ...(turns.trim() !== "" ? { turnsPerMinute: Number(turns) } : {}),
      ...(requests.trim() !== "" ? { apiRequestsPerMinute: Number(requests) } : {}),
    });
    setTurns("");
    setRequests("");
  });
  const reset = useRun(() => setLimits({ accountId, turnsPerMinute: null, apiRequestsPerMinute: null }));
  if (limits === undefined) return <p className="muted small">Loading rate limits…</p>;
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };
  const error = save.error ?? reset.error;
  return (
    <form className="stack small" onSubmit={onSubmit} data-testid="admin-account-rate-limits" aria-label="Rate limits">
      <strong>Rate limits</strong>
      <div className="row">
        <label>
          Turns a minute ({limits.custom.turnsPerMinute ? "own" : "default"}: {limits.turnsPerMinute})
          <input type="number" min={1} value={turns} placeholder={String(limits.turnsPerMinute)} onChange={(e) => setTurns(e.target.value)} data-testid="rate-turns" />
        </label>
        <label>
          API requests a minute ({limits.custom.apiRequestsPerMinute ? "own" : "default"}: {limits.apiRequestsPerMinute})
          <input type="number" min={1} value={requests} placeholder={String(limits.apiRequestsPerMinute)} onChange={(e) => setRequests(e.target.value)} data-testid="rate-api" />
        </label>
        <button type="submit" className="button secondary small" disabled={save.pending || (turns === "" && requests === "")} data-testid="rate-save">
          Save
        </button>
        {(limits.custom.turnsPerMinute || limits.custom.apiRequestsPerMinute) && (
          <button type="button" className="button ghost small" disabled={reset.pending} onClick={() => void reset.run()} data-testid="rate-reset">
            Back to defaults
          </button>
        )}
      </div>
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
