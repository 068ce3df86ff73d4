import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { usePaginatedQuery } from "../lib/convex";
import { UserStatusBadge, UserSuspension, userLabel } from "./UserSuspension";
import { LoadMore } from "../shell/LoadMore";
import "./admin.css";

const PAGE_SIZE = 25;
const ROLE_WORDS = { admin: "Admin", member: "Member", readonly: "Read-only" } as const;

/** One account's members (live: a suspension shows at once), each with suspend / resume for the user. */
export function AccountMembers({ accountId, accountName }: { accountId: Id<"accounts">; accountName: string }) {
  const { results, status, loadMore } = usePaginatedQuery(api.admin.platform.listAccountMembers, { accountId }, { initialNumItems: PAGE_SIZE });
  if (status === "LoadingFirstPage") {
    return (
      <p className="muted small" role="status" data-testid="admin-members-loading">
        Loading members…
      </p>
    );
  }
  if (results.length === 0) {
    return (
      <p className="muted small" data-testid="admin-members-empty">
        No members.
      </p>
    );
  }
  return (
    <div className="admin-members" data-testid="admin-members">
      <table className="table">
        <caption className="visually-hidden">Members of {accountName}</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Role here</th>
            <th scope="col">User</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {results.map((m) => (
            <tr
              key={m.userId}
              data-testid="admin-member-row"
              data-user-id={m.userId}
              data-status={m.status}
              data-membership-status={m.membershipStatus}
              data-role={m.role}
            >
              <td>
                <strong>{m.name ?? "(no name)"}</strong>
                {m.isPlatformAdmin && <span className="muted small"> · platform admin</span>}
                {m.email !== null && <div className="muted small">{m.email}</div>}
              </td>
              <td>
                {ROLE_WORDS[m.role]}
                {m.membershipStatus === "revoked" && <div className="muted small">removed from this account</div>}
              </td>
              <td>
                <UserStatusBadge status={m.status} />
              </td>
              <td>
                <UserSuspension userId={m.userId} status={m.status} name={userLabel(m)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <LoadMore status={status} onLoadMore={() => loadMore(PAGE_SIZE)} testId="admin-members-load-more" label="More members" small />
    </div>
  );
}
