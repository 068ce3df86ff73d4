import { useId, useState, type FormEvent } from "react";
import { api } from "../../../convex/_generated/api";
import { useMutation, useQuery, type FunctionReturnType } from "../lib/convex";
import { usd } from "../lib/format";
import { useRun } from "../lib/useRun";
import { useAgents } from "../chat/useAgents";
import { useAccount } from "../shell/AccountProvider";
import { PageErrorBoundary } from "../shell/PageError";
import { SendRate } from "./SendRate";
import { DailyUsage } from "./UsageChart";
import { ChannelTraffic } from "./ChannelTraffic";
import "./usage.css";

type Budget = FunctionReturnType<typeof api.usage.budgets.status>[number];

/** Budgets with spend and remaining, your sending rate, the last two weeks of spend per scope, and (admins) the account's monthly cap. */
export function UsagePage() {
  const { account } = useAccount();
  const isAdmin = account.role === "admin";
  return (
    <main className="page wide" id="main" data-testid="usage-page">
      <h1>Usage</h1>
      <PageErrorBoundary what="the budgets">
        <Budgets />
      </PageErrorBoundary>
      <PageErrorBoundary what="your sending rate">
        <SendRate />
      </PageErrorBoundary>
      <PageErrorBoundary what="the daily usage">
        <DailyUsage />
      </PageErrorBoundary>
      <PageErrorBoundary what="the traffic by channel">
        <ChannelTraffic />
      </PageErrorBoundary>
      {isAdmin && (
        <PageErrorBoundary what="the budget form">
          <SetBudget />
        </PageErrorBoundary>
      )}
    </main>
  );
}

function scopeLabel(
  b: Budget,
  accountName: string,
  userId: string,
  agentNames: ReadonlyMap<string, string>,
  teamNames: ReadonlyMap<string, string> = new Map(),
): string {
  if (b.scope === "account") return `Account (${accountName})`;
  if (b.scope === "team") return `Team: ${teamNames.get(b.scopeId) ?? "unknown"}`;
  if (b.scope === "user") return b.scopeId === userId ? "You" : "A member";
  return `Agent: ${agentNames.get(b.scopeId) ?? "unknown"}`;
}

/** Agents whose budgets are listed beside the account's and yours (the server takes at most 20). */
const MAX_AGENT_BUDGETS = 20;

function Budgets() {
  const { accountId, account, viewer } = useAccount();
  const agents = useAgents();
  const agentIds = agents?.slice(0, MAX_AGENT_BUDGETS).map((a) => a.agentId);
  const budgets = useQuery(api.usage.budgets.status, agentIds === undefined ? "skip" : { accountId, agentIds });
  const agentNames = new Map((agents ?? []).map((a) => [a.agentId as string, a.name]));
  // The caller's teams (all of them, for admins): a turn spends its team's budget too.
  const teams = useQuery(api.teams.teams.list, { accountId });
  const teamNames = new Map((teams ?? []).map((team) => [team.teamId as string, team.name]));
  return (
    <section aria-labelledby="budgets-heading">
      <h2 id="budgets-heading">Budgets</h2>
      {budgets === undefined ? (
        <p className="muted" role="status" data-testid="budgets-loading">
          Loading budgets…
        </p>
      ) : budgets.length === 0 ? (
        <p className="muted" data-testid="budgets-empty">
          No budget is set for this account, for you or for its agents, so spending is not capped. What was used still shows in the chart below.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="budgets">
            <thead>
              <tr>
                <th scope="col">Scope</th>
                <th scope="col">Period</th>
                <th scope="col">Spent</th>
                <th scope="col">Cap</th>
                <th scope="col">Remaining</th>
              </tr>
            </thead>
            <tbody>
              {budgets.map((b) => (
                <tr
                  key={`${b.scope}:${b.scopeId}:${b.period}`}
                  data-testid="budget-row"
                  data-scope={b.scope}
                  data-period={b.period}
                  data-spent-tokens={b.spentTokens}
                  data-spent-usd={b.spentUsd}
                >
                  <td>{scopeLabel(b, account.name, viewer.userId, agentNames, teamNames)}</td>
                  <td>
                    {b.period} <span className="muted small">{b.periodKey}</span>
                  </td>
                  <td>
                    {b.spentTokens.toLocaleString()} tokens · {usd(b.spentUsd)}
                    {(b.reservedTokens > 0 || b.reservedUsd > 0) && <div className="muted small">{usd(b.reservedUsd)} held for running turns</div>}
                  </td>
                  <td>{b.capUsd === null && b.capTokens === null ? "No cap" : [b.capUsd !== null ? usd(b.capUsd) : null, b.capTokens !== null ? `${b.capTokens.toLocaleString()} tokens` : null].filter(Boolean).join(" · ")}</td>
                  <td>
                    {b.remainingUsd === null && b.remainingTokens === null ? (
                      "Unlimited"
                    ) : (
                      <>
                        {[b.remainingUsd !== null ? usd(b.remainingUsd) : null, b.remainingTokens !== null ? `${b.remainingTokens.toLocaleString()} tokens` : null]
                          .filter(Boolean)
                          .join(" · ")}
                        {b.capUsd !== null && b.capUsd > 0 && <Meter value={b.spentUsd} max={b.capUsd} />}
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Meter({ value, max }: { value: number; max: number }) {
  return <meter className="meter" min={0} max={max} value={Math.min(value, max)} high={max * 0.8} optimum={0} aria-label="Share of the cap spent" />;
}

function SetBudget() {
  const { accountId } = useAccount();
  const setBudget = useMutation(api.usage.budgets.setBudget);
  const [capUsd, setCapUsd] = useState("");
  const [capTokens, setCapTokens] = useState("");
  const [saved, setSaved] = useState(false);
  const id = useId();
  const { run, pending, error } = useRun(async () => {
    const usdValue = capUsd.trim() === "" ? undefined : Number(capUsd);
    const tokenValue = capTokens.trim() === "" ? undefined : Number(capTokens);
    await setBudget({
      accountId,
      scope: "account",
      period: "month",
      ...(usdValue !== undefined ? { capUsd: usdValue } : {}),
      ...(tokenValue !== undefined ? { capTokens: tokenValue } : {}),
    });
    return true;
  });
  const invalid = [capUsd, capTokens].some((value) => value.trim() !== "" && !(Number(value) >= 0));
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    if (invalid) return;
    if ((await run()) === true) setSaved(true);
  };
  return (
    <section aria-labelledby={`${id}-h`} data-testid="set-budget">
      <h2 id={`${id}-h`}>Account's monthly budget</h2>
      <form className="row budget-form" onSubmit={(e) => void onSubmit(e)}>
        <label className="field">
          <span>Cap in dollars</span>
          <input type="number" min={0} step="0.01" inputMode="decimal" value={capUsd} onChange={(e) => setCapUsd(e.target.value)} data-testid="budget-cap-usd" />
        </label>
        <label className="field">
          <span>Cap in tokens</span>
          <input type="number" min={0} step={1} inputMode="numeric" value={capTokens} onChange={(e) => setCapTokens(e.target.value)} data-testid="budget-cap-tokens" />
        </label>
        <button type="submit" className="button primary" disabled={pending || invalid || (capUsd.trim() === "" && capTokens.trim() === "")} data-testid="budget-save">
          {pending ? "Saving…" : "Save"}
        </button>
      </form>
      <p className="muted small">Leave a box empty to keep no cap of that kind. Members can see the account's budget; only admins can change it.</p>
      {invalid && (
        <p className="error" role="alert" data-testid="budget-invalid">
          A cap must be a number of 0 or more.
        </p>
      )}
      {error && (
        <p className="error" role="alert" data-testid="budget-error">
          Could not save the budget: {error}
        </p>
      )}
      {saved && (
        <p role="status" className="small" data-testid="budget-saved">
          Saved. New turns are checked against this cap.
        </p>
      )}
    </section>
  );
}
