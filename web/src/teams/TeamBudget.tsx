/**
 * A team's monthly budget on its card in Settings → Teams: what it has spent
 * this month against its cap, and a form to set the cap. Turns of the team's
 * members reserve against it (teams/budgets.ts says which team a turn charges).
 */
import { useId, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useMutation, useQuery } from "../lib/convex";
import { usd } from "../lib/format";
import { useFormSubmit } from "../lib/useFormSubmit";
import { useAccount } from "../shell/AccountProvider";

export function TeamBudget({ teamId, editable }: { teamId: Id<"teams">; editable: boolean }) {
  const { accountId } = useAccount();
  const statuses = useQuery(api.usage.budgets.status, { accountId, teamIds: [teamId] });
  const month = statuses?.find((s) => s.scope === "team" && s.scopeId === teamId && s.period === "month");
  const setBudget = useMutation(api.usage.budgets.setBudget);
  const id = useId();
  const [capUsd, setCapUsd] = useState("");
  const { submit, pending, general } = useFormSubmit([], async () => {
    await setBudget({ accountId, scope: "team", scopeId: teamId, period: "month", capUsd: Number(capUsd) });
    setCapUsd("");
  });
  return (
    <div className="team-budget" data-testid="team-budget">
      <p className="small" data-testid="team-budget-status">
        {statuses === undefined
          ? "Loading the budget…"
          : month === undefined || month.capUsd === null
            ? "No monthly budget: the team's spending is not capped."
            : `This month: ${usd(month.spentUsd)} spent of ${usd(month.capUsd)}.`}
      </p>
      {editable && (
        <form className="row teams-inline" onSubmit={submit}>
          <label htmlFor={`${id}-cap`} className="small">
            Monthly cap ($)
          </label>
          <input id={`${id}-cap`} type="number" min={0} step="0.01" required value={capUsd} onChange={(e) => setCapUsd(e.target.value)} data-testid="team-budget-cap" />
          <button type="submit" className="button small secondary" disabled={pending || !(Number(capUsd) >= 0) || capUsd.trim() === ""} data-testid="team-budget-save">
            Set
          </button>
          {general !== null && (
            <span className="error small" role="alert">
              {general}
            </span>
          )}
        </form>
      )}
    </div>
  );
}
