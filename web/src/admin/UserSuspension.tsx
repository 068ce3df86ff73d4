import { useId, useState, type FormEvent } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useMutation } from "../lib/convex";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";

export type UserStatus = "active" | "suspended" | "deleted";

const STATUS_WORDS: Record<UserStatus, string> = { active: "Active", suspended: "Suspended", deleted: "Deleted" };
const STATUS_CLASS: Record<UserStatus, string> = { active: "status-completed", suspended: "status-failed", deleted: "status-archived" };

/** A user's platform-wide status as a badge. */
export function UserStatusBadge({ status }: { status: UserStatus }) {
  return (
    <span className={`status ${STATUS_CLASS[status]}`} data-testid="admin-user-status">
      {STATUS_WORDS[status]}
    </span>
  );
}

/**
 * Suspend / resume one user, everywhere (a reason is required and written to
 * the audit log of each of their accounts). Not offered for yourself (the
 * server refuses it) nor for a deleted user (nothing revives one).
 */
export function UserSuspension({ userId, status, name }: { userId: Id<"userProfiles">; status: UserStatus; name: string }) {
  const { viewer } = useAccount();
  const suspend = useMutation(api.admin.platform.suspendUser);
  const resume = useMutation(api.admin.platform.resumeUser);
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState("");
  const id = useId();
  const suspended = status === "suspended";
  const { run, pending, error, clearError } = useRun(async () => {
    await (suspended ? resume : suspend)({ userId, reason: reason.trim() });
    setConfirming(false);
    setReason("");
  });
  if (userId === viewer.userId) {
    return (
      <span className="muted small" data-testid="admin-user-self">
        You
      </span>
    );
  }
  if (status === "deleted") return <span className="muted small">—</span>;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (reason.trim() !== "") void run();
  };
  const verb = suspended ? "Resume user" : "Suspend user";
  return (
    <div>
      {confirming ? (
        <form className="admin-confirm" onSubmit={onSubmit}>
          <label htmlFor={`${id}-reason`} className="small">
            {suspended ? `Why resume ${name}?` : `Why suspend ${name}? They are refused in every account until resumed.`}
          </label>
          <div className="row">
            <input
              id={`${id}-reason`}
              value={reason}
              maxLength={500}
              required
              autoFocus
              onChange={(e) => setReason(e.target.value)}
              data-testid="admin-user-reason"
            />
            <button type="submit" className="button primary small" disabled={pending || reason.trim() === ""} data-testid="admin-user-confirm">
              {pending ? "Saving…" : verb}
            </button>
            <button
              type="button"
              className="button ghost small"
              onClick={() => {
                setConfirming(false);
                clearError();
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <button
          type="button"
          className="button secondary small"
          data-testid={suspended ? "admin-user-resume" : "admin-user-suspend"}
          onClick={() => setConfirming(true)}
        >
          {verb}
        </button>
      )}
      {error !== null && (
        <p role="alert" className="error small" data-testid="admin-user-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** How to name a user whose profile may lack a name or an email. */
export function userLabel(user: { name: string | null; email: string | null }): string {
  return user.name ?? user.email ?? "this user";
}
