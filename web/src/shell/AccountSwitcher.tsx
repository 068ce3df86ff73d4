import { useId } from "react";
import { useNavigate } from "react-router";
import { useAccount, type AccountId } from "./AccountProvider";
import "./shell.css";

/** Pick which account you work in (a user may belong to several). */
export function AccountSwitcher() {
  const { viewer, accountId, setAccountId } = useAccount();
  const navigate = useNavigate();
  const id = useId();
  return (
    <div className="account-switcher">
      <label htmlFor={id} className="small muted">
        Account
      </label>
      <select
        id={id}
        data-testid="account-switcher"
        value={accountId}
        onChange={(event) => {
          setAccountId(event.target.value as AccountId);
          // Threads belong to an account: leave the open one.
          void navigate("/chat");
        }}
      >
        {viewer.accounts.map((account) => (
          <option key={account.accountId} value={account.accountId}>
            {account.name}
            {account.kind === "personal" ? " (personal)" : ""} · {account.role}
          </option>
        ))}
      </select>
    </div>
  );
}
