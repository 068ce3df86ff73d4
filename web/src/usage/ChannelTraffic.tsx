import { api } from "../../../convex/_generated/api";
import { useQuery } from "../lib/convex";
import { usd } from "../lib/format";
import { useAccount } from "../shell/AccountProvider";

const CHANNEL_LABELS: Record<string, string> = { app: "App", api: "API", telegram: "Telegram", email: "Email" };
const DAYS = 14;

/** Turns, tokens and cost per channel per day (the app, the HTTP API, Telegram, email), newest day first. */
export function ChannelTraffic() {
  const { accountId } = useAccount();
  const traffic = useQuery(api.channels.traffic.daily, { accountId, days: DAYS });
  return (
    <section aria-labelledby="channel-traffic-heading" data-testid="channel-traffic">
      <h2 id="channel-traffic-heading">Traffic by channel (last {DAYS} days)</h2>
      {traffic === undefined ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : traffic.rows.length === 0 ? (
        <p className="muted">No turns in this period.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Channel</th>
              <th scope="col">Turns</th>
              <th scope="col">Tokens</th>
              <th scope="col">Cost</th>
            </tr>
          </thead>
          <tbody>
            {[...traffic.rows].reverse().map((row) => (
              <tr key={`${row.day}:${row.channel}`} data-testid="channel-traffic-row" data-channel={row.channel}>
                <td>{row.day}</td>
                <td>{CHANNEL_LABELS[row.channel] ?? row.channel}</td>
                <td>{row.turns.toLocaleString()}</td>
                <td>{row.tokens.toLocaleString()}</td>
                <td>{usd(row.costUsd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {traffic?.truncated === true && <p className="muted small">Only the most recent turns are counted; the busiest days may be short.</p>}
    </section>
  );
}
