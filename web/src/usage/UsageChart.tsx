import { useId, useState } from "react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis, type BarShapeProps } from "recharts";
import { api } from "../../../convex/_generated/api";
import { useQuery, type FunctionReturnType } from "../lib/convex";
import { usd } from "../lib/format";
import { useAgents } from "../chat/useAgents";
import { useAccount } from "../shell/AccountProvider";
import "./usage.css";

type Day = FunctionReturnType<typeof api.usage.budgets.daily>[number];
type Metric = "tokens" | "usd";
const DAYS = 14;

/** Which scope's spend the chart shows: the account, yourself, or one agent. */
type ScopeChoice = { scope: "account" } | { scope: "user" } | { scope: "agent"; scopeId: string };

function parseChoice(value: string): ScopeChoice {
  if (value.startsWith("agent:")) return { scope: "agent", scopeId: value.slice("agent:".length) };
  return value === "user" ? { scope: "user" } : { scope: "account" };
}

const fmt = (metric: Metric, value: number) => (metric === "tokens" ? `${value.toLocaleString()} tokens` : usd(value));

/** Spend per day over the last two weeks for a scope, in tokens or dollars (recharts), with the numbers in a table for screen readers. */
export function DailyUsage() {
  const { accountId, account } = useAccount();
  const agents = useAgents();
  const [choice, setChoice] = useState("account");
  const [metric, setMetric] = useState<Metric>("tokens");
  const scope = parseChoice(choice);
  const days = useQuery(api.usage.budgets.daily, { accountId, ...scope, days: DAYS });
  const id = useId();
  const total = days?.reduce((sum, d) => sum + d.tokens, 0) ?? 0;
  const totalUsd = days?.reduce((sum, d) => sum + d.usd, 0) ?? 0;
  // Tokens the harness counted itself because a provider reported no usage: shown apart, so a quiet provider is noticed.
  const estimated = days?.reduce((sum, d) => sum + d.estimatedTokens, 0) ?? 0;
  const scopeName = scope.scope === "account" ? "the account" : scope.scope === "user" ? "you" : (agents?.find((a) => a.agentId === scope.scopeId)?.name ?? "the agent");
  return (
    <section aria-labelledby={`${id}-h`} data-testid="usage-daily" data-total-tokens={total} data-scope={scope.scope}>
      <h2 id={`${id}-h`}>Last {DAYS} days</h2>
      <div className="row usage-controls">
        <label className="field usage-scope">
          <span>Spent by</span>
          <select value={choice} onChange={(e) => setChoice(e.target.value)} data-testid="usage-scope">
            <option value="account">The account ({account.name})</option>
            <option value="user">You</option>
            {(agents ?? []).map((agent) => (
              <option key={agent.agentId} value={`agent:${agent.agentId}`}>
                Agent: {agent.name}
              </option>
            ))}
          </select>
        </label>
        <div className="row" role="radiogroup" aria-label="Show">
          <label className="chip">
            <input type="radio" name={`${id}-metric`} checked={metric === "tokens"} onChange={() => setMetric("tokens")} data-testid="usage-metric-tokens" /> Tokens
          </label>
          <label className="chip">
            <input type="radio" name={`${id}-metric`} checked={metric === "usd"} onChange={() => setMetric("usd")} data-testid="usage-metric-usd" /> Dollars
          </label>
        </div>
      </div>
      {days === undefined ? (
        <p className="muted" role="status" data-testid="usage-loading">
          Loading usage…
        </p>
      ) : (
        <>
          <p data-testid="usage-total">
            {total.toLocaleString()} tokens · {usd(totalUsd)} · {days.reduce((s, d) => s + d.turns, 0)} turns by {scopeName} in the last {DAYS} days
          </p>
          {estimated > 0 && (
            <p className="small muted" data-testid="usage-estimated" data-estimated-tokens={estimated}>
              Of these, {(total - estimated).toLocaleString()} tokens were reported by the providers and ≈{estimated.toLocaleString()} were
              estimated by the harness, because a provider sent no usage.
            </p>
          )}
          {total === 0 && totalUsd === 0 ? (
            <p className="muted" data-testid="usage-empty">
              Nothing used by {scopeName} in the last {DAYS} days. Chat with an agent and the usage shows here.
            </p>
          ) : (
            <SpendChart days={days} metric={metric} />
          )}
        </>
      )}
    </section>
  );
}

/** One bar per day. Each bar carries its day and value (`usage-bar`) for tests and tools. */
function SpendChart({ days, metric }: { days: Day[]; metric: Metric }) {
  const data = days.map((d) => ({ ...d, label: d.day.slice(5), value: metric === "tokens" ? d.tokens : d.usd }));
  const label = metric === "tokens" ? "Tokens" : "Dollars";
  return (
    <figure className="chart" data-testid="usage-chart" data-metric={metric}>
      <div className="chart-canvas" role="img" aria-label={`${label} per day, last ${days.length} days`}>
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
            <CartesianGrid vertical={false} strokeDasharray="3 3" className="chart-grid" />
            <XAxis dataKey="label" tickLine={false} interval="preserveStartEnd" className="axis" />
            <YAxis
              width={metric === "tokens" ? 56 : 64}
              tickLine={false}
              allowDecimals={metric === "usd"}
              tickFormatter={(value: number) => (metric === "tokens" ? value.toLocaleString() : usd(value))}
              className="axis"
            />
            <Tooltip
              cursor={{ className: "chart-cursor" }}
              formatter={(value) => [fmt(metric, Number(value)), label]}
              labelFormatter={(_, payload) => {
                const day = payload?.[0]?.payload as (Day & { label: string }) | undefined;
                return day === undefined ? "" : `${day.day} · ${day.turns} turn${day.turns === 1 ? "" : "s"} · ${fmt(metric === "tokens" ? "usd" : "tokens", metric === "tokens" ? day.usd : day.tokens)}`;
              }}
            />
            <Bar dataKey="value" name={label} isAnimationActive={false} shape={(props: BarShapeProps) => <DayBar {...props} />} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="visually-hidden">
        <table>
          <caption>{label} per day</caption>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <th scope="row">{d.day}</th>
                <td>
                  {fmt("tokens", d.tokens)}
                  {d.estimatedTokens > 0 ? ` (≈${d.estimatedTokens.toLocaleString()} estimated)` : ""}
                </td>
                <td>{usd(d.usd)}</td>
                <td>{d.turns} turns</td>
              </tr>
            ))}
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}

function DayBar({ x, y, width, height, payload }: BarShapeProps) {
  const day = payload as { day: string; value: number } | undefined;
  if (day === undefined) return null;
  // A day with any use gets at least a sliver, so it never looks like none.
  const h = Math.max(height, day.value > 0 ? 1 : 0);
  return <rect x={x} y={y + height - h} width={width} height={h} rx={2} className="bar" data-testid="usage-bar" data-day={day.day} data-value={day.value} />;
}
