import { useId, useState } from "react";
import { api } from "../../../convex/_generated/api";
import { useQuery } from "../lib/convex";
import { useDebounced } from "../lib/useDebounced";
import { UserStatusBadge, UserSuspension, userLabel } from "./UserSuspension";
import "./admin.css";

/** The most `admin/platform:findUsers` returns. */
const FIND_LIMIT = 20;

/** Find a user by the start of their email or name (any account), to suspend or resume them. */
export function UsersSearch() {
  const [search, setSearch] = useState("");
  const term = useDebounced(search.trim(), 250);
  const users = useQuery(api.admin.platform.findUsers, term === "" ? "skip" : { search: term });
  const id = useId();
  return (
    <section aria-labelledby="admin-users-heading" data-testid="admin-users">
      <h2 id="admin-users-heading">Users</h2>
      <p className="muted small">
        A suspended user is refused everywhere, in every account, until resumed. You can also open an account above to see its members.
      </p>
      <div className="field">
        <label htmlFor={`${id}-search`}>Find a user by the start of their email or name</label>
        <input
          id={`${id}-search`}
          type="search"
          value={search}
          maxLength={200}
          placeholder="e.g. sam@ or Sam"
          onChange={(e) => setSearch(e.target.value)}
          data-testid="admin-users-search"
        />
      </div>
      {term === "" ? null : users === undefined ? (
        <p className="muted small" role="status" data-testid="admin-users-loading">
          Searching…
        </p>
      ) : users.length === 0 ? (
        <p className="muted small" data-testid="admin-users-empty">
          No user's email or name starts with “{term}”.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="admin-users-results">
            <caption className="visually-hidden">Users matching {term}</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.userId} data-testid="admin-user-row" data-user-id={u.userId} data-status={u.status}>
                  <td>
                    <strong>{u.name ?? "(no name)"}</strong>
                    {u.isPlatformAdmin && <span className="muted small"> · platform admin</span>}
                    {u.email !== null && <div className="muted small">{u.email}</div>}
                  </td>
                  <td>
                    <UserStatusBadge status={u.status} />
                  </td>
                  <td>
                    <UserSuspension userId={u.userId} status={u.status} name={userLabel(u)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {users.length >= FIND_LIMIT && <p className="muted small">Showing the first {FIND_LIMIT}; type more to narrow it down.</p>}
        </div>
      )}
    </section>
  );
}
