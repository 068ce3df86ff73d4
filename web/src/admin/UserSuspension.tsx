import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useMutation } from "../lib/convex";
import { useAccount } from "../shell/AccountProvider";
import { SuspendToggle } from "./SuspendToggle";
import "./admin.css";

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
  const suspended = status === "suspended";
  if (userId === viewer.userId) {
    return (
      <span className="muted small" data-testid="admin-user-self">
        You
      </span>
    );
  }
  if (status === "deleted") return <span className="muted small">—</span>;
  return (
    <SuspendToggle
      suspended={suspended}
      verb={suspended ? "Resume user" : "Suspend user"}
      question={suspended ? `Why resume ${name}?` : `Why suspend ${name}? They are refused in every account until resumed.`}
      testIdPrefix="admin-user"
      onConfirm={(reason) => (suspended ? resume : suspend)({ userId, reason })}
    />
  );
}

/** How to name a user whose profile may lack a name or an email. */
export function userLabel(user: { name: string | null; email: string | null }): string {
  return user.name ?? user.email ?? "this user";
}
