import { useId, useState, type FormEvent, type ReactNode } from "react";
import { api } from "../../../convex/_generated/api";
import { useMutation, useQuery } from "../lib/convex";
import { fullTime, timeAgo } from "../lib/time";
import { useRun } from "../lib/useRun";
import "./admin.css";

/** Pause and maintenance: what each does, its state, and the switch (with an optional reason for the log). */
export function PlatformSwitches() {
  const status = useQuery(api.ops.status.overview, {});
  const setMaintenance = useMutation(api.ops.maintenance.setMaintenance);
  const setPaused = useMutation(api.ops.pause.setPlatformPaused);
  if (status === undefined) {
    return (
      <p className="muted" role="status" data-testid="admin-switches-loading">
        Loading the platform's state…
      </p>
    );
  }
  const { maintenance } = status;
  return (
    <section aria-labelledby="admin-switches-heading" data-testid="admin-switches">
      <h2 id="admin-switches-heading">Platform</h2>
      <p className="muted small" data-testid="admin-version">
        Version {status.version}
      </p>
      <div className="admin-switches">
        <Switch
          testId="admin-maintenance"
          title="Maintenance mode"
          on={maintenance.enabled}
          explain="New messages are saved and wait in a queue; nothing runs them until maintenance ends, then they are answered in order."
          stateText={
            maintenance.enabled
              ? `On${maintenance.since !== undefined ? ` since ${timeAgo(maintenance.since)}` : ""}${maintenance.reason ? `: ${maintenance.reason}` : ""}`
              : "Off"
          }
          stateTitle={maintenance.since !== undefined ? fullTime(maintenance.since) : undefined}
          extra={
            <p className="small" data-testid="admin-held-count" data-count={maintenance.heldTurns}>
              {maintenance.heldTurns === 0
                ? "No messages waiting."
                : `${maintenance.heldTurns} message${maintenance.heldTurns === 1 ? "" : "s"} waiting for maintenance to end.`}
            </p>
          }
          turnOnLabel="Start maintenance"
          turnOffLabel="End maintenance"
          toggle={setMaintenance}
          argsFor={(on, reason) => ({ enabled: on, ...(reason ? { reason } : {}) })}
        />
        <Switch
          testId="admin-pause"
          title="Platform pause"
          on={status.paused}
          explain="New messages and jobs are refused, and jobs waiting to start are cancelled. Use it to stop everything; use maintenance to hold messages instead."
          stateText={status.paused ? `Paused${status.pauseReason ? `: ${status.pauseReason}` : ""}` : "Running"}
          turnOnLabel="Pause the platform"
          turnOffLabel="Resume the platform"
          toggle={setPaused}
          argsFor={(on, reason) => ({ paused: on, ...(reason ? { reason } : {}) })}
        />
      </div>
    </section>
  );
}

function Switch<Args>({
  testId,
  title,
  on,
  explain,
  stateText,
  stateTitle,
  extra,
  turnOnLabel,
  turnOffLabel,
  toggle,
  argsFor,
}: {
  testId: string;
  title: string;
  on: boolean;
  explain: string;
  stateText: string;
  stateTitle?: string;
  extra?: ReactNode;
  turnOnLabel: string;
  turnOffLabel: string;
  toggle: (args: Args) => Promise<unknown>;
  argsFor: (on: boolean, reason: string) => Args;
}) {
  const [reason, setReason] = useState("");
  const id = useId();
  const { run, pending, error } = useRun(async () => {
    await toggle(argsFor(!on, reason.trim()));
    setReason("");
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void run();
  };
  return (
    <form className="card admin-switch" onSubmit={onSubmit} data-testid={testId} data-on={on}>
      <div className="row">
        <strong>{title}</strong>
        <span className={`status ${on ? "status-failed" : "status-completed"}`} data-testid={`${testId}-state`} title={stateTitle}>
          {stateText}
        </span>
      </div>
      <p className="muted small">{explain}</p>
      {extra}
      <div className="row">
        <label className="visually-hidden" htmlFor={`${id}-reason`}>
          Reason for the audit log
        </label>
        <input
          id={`${id}-reason`}
          className="admin-reason"
          placeholder="Reason (for the audit log)"
          value={reason}
          maxLength={500}
          onChange={(e) => setReason(e.target.value)}
          data-testid={`${testId}-reason`}
        />
        <button type="submit" className={`button ${on ? "primary" : "secondary"}`} disabled={pending} data-testid={`${testId}-toggle`}>
          {pending ? "Saving…" : on ? turnOffLabel : turnOnLabel}
        </button>
      </div>
      {error !== null && (
        <p role="alert" className="error small" data-testid={`${testId}-error`}>
          {error}
        </p>
      )}
    </form>
  );
}
