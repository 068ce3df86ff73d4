import { Fragment, useId, useState } from "react";
import { api } from "../../../convex/_generated/api";
import { useMutation, usePaginatedQuery, type FunctionReturnType } from "../lib/convex";
import { AccountMembers } from "./AccountMembers";
import { AccountRateLimits } from "./AccountRateLimits";
import { SuspendToggle } from "./SuspendToggle";
import { LoadMore } from "../shell/LoadMore";
import "./admin.css";

type Account = FunctionReturnType<typeof api.admin.platform.listAccounts>["page"][number];
const PAGE_SIZE = 25;

/**
 * Every account on the platform, newest first, with suspend / resume (a
 * reason is required and audited); a row opens onto its members, each of
 * whom can be suspended or resumed as a user.
 */
export function AccountsTable() {
  const { results, status, loadMore } = usePaginatedQuery(api.admin.platform.listAccounts, {}, { initialNumItems: PAGE_SIZE });
  return (
    <section aria-labelledby="admin-accounts-heading">
      <h2 id="admin-accounts-heading">Accounts</h2>
      {status === "LoadingFirstPage" ? (
        <p className="muted" role="status" data-testid="admin-accounts-loading">
          Loading accounts…
        </p>
      ) : results.length === 0 ? (
        <p className="muted" data-testid="admin-accounts-empty">
          No accounts yet. One is created when someone signs in for the first time.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="admin-accounts">
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Kind</th>
                <th scope="col">Members</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {results.map((account) => (
                <AccountRow key={account.accountId} account={account} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore status={status} onLoadMore={() => loadMore(PAGE_SIZE)} testId="admin-accounts-load-more" />
    </section>
  );
}

function AccountRow({ account }: { account: Account }) {
  const suspend = useMutation(api.admin.platform.suspendAccount);
  const resume = useMutation(api.admin.platform.resumeAccount);
  const [showMembers, setShowMembers] = useState(false);
  const id = useId();
  const suspended = account.status === "suspended";
  return (
    <Fragment>
      <tr data-testid="admin-account-row" data-account-id={account.accountId} data-status={account.status}>
        <td>
          <strong>{account.name}</strong> <span className="muted small">{account.slug}</span>
        </td>
        <td>{account.kind === "organization" ? "Organisation" : "Personal"}</td>
        <td>
          <button
            type="button"
            className="button ghost small"
            aria-expanded={showMembers}
            aria-controls={`${id}-members`}
            onClick={() => setShowMembers((open) => !open)}
            data-testid="admin-account-members-toggle"
          >
            {showMembers ? "Hide members" : "Members"}
            <span className="visually-hidden"> of {account.name}</span> <span aria-hidden="true">{showMembers ? "▾" : "▸"}</span>
          </button>
        </td>
        <td>
          <span className={`status ${suspended ? "status-failed" : "status-completed"}`}>{suspended ? "Suspended" : "Active"}</span>
        </td>
        <td>
          <SuspendToggle
            suspended={suspended}
            verb={suspended ? "Resume" : "Suspend"}
            question={suspended ? "Why resume it?" : "Why suspend it? Its members are refused until it is resumed."}
            testIdPrefix="admin-account"
            onConfirm={(reason) => (suspended ? resume : suspend)({ accountId: account.accountId, reason })}
          />
        </td>
      </tr>
      {showMembers && (
        <tr className="admin-members-row" id={`${id}-members`} data-testid="admin-account-members" data-account-id={account.accountId}>
          <td colSpan={5}>
            <AccountMembers accountId={account.accountId} accountName={account.name} />
            <AccountRateLimits accountId={account.accountId} />
          </td>
        </tr>
      )}
    </Fragment>
  );
}
