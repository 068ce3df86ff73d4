/** The agent's versions, newest first: what each one was (what runs that recorded it ran with). */
import { api } from "../../../convex/_generated/api";
import { usePaginatedQuery } from "../lib/convex";
import { fullTime, timeAgo } from "../lib/time";
import { useAccount } from "../shell/AccountProvider";
import type { AgentDetail } from "./types";
import { LoadMore } from "../shell/LoadMore";
import { useSearchParams } from "react-router";
import { VersionDiff } from "./VersionDiff";
import "./agents.css";
import "./versionDiff.css";

const PAGE_SIZE = 10;

export function Versions({ agent }: { agent: AgentDetail }) {
  const { accountId } = useAccount();
  const { results, status, loadMore } = usePaginatedQuery(api.agents.agents.versions, { accountId, agentId: agent.agentId }, { initialNumItems: PAGE_SIZE });
  // `?version=N` (the run page's link): that version opens, with its differences from the current one.
  const [params] = useSearchParams();
  const asked = Number(params.get("version") ?? NaN);
  const current = results.find((v) => v.version === agent.version);
  return (
    <section aria-labelledby="versions-heading" data-testid="agent-versions">
      <h2 id="versions-heading">Versions</h2>
      {status === "LoadingFirstPage" ? (
        <p className="muted" role="status" data-testid="versions-loading">
          Loading versions…
        </p>
      ) : results.length === 0 ? (
        <p className="muted" data-testid="versions-empty">
          No version is recorded yet.
        </p>
      ) : (
        <ul className="cards">
          {results.map((v) => (
            <li key={v.version} className="card" data-testid="agent-version" data-version={v.version}>
              <details open={v.version === asked}>
                <summary>
                  <strong>Version {v.version}</strong>
                  {v.version === agent.version && <span className="badge">current</span>}{" "}
                  <span className="muted small" title={fullTime(v.createdAt)}>
                    {timeAgo(v.createdAt)} · {v.name} · {v.tools.length} tool{v.tools.length === 1 ? "" : "s"} · capability {v.capabilityLevel}
                  </span>
                </summary>
                <div className="stack small">
                  {v.description && <p>{v.description}</p>}
                  <p>Model: {v.modelId ?? "the deployment's default"}</p>
                  <p>Tools: {v.tools.length === 0 ? "none" : v.tools.map((t) => `${t.toolSlug} (${t.permission}${t.needsApproval ? ", asks" : ""})`).join(", ")}</p>
                  <pre className="instructions">{v.instructions}</pre>
                  {v.version === asked && current !== undefined && v.version !== current.version && <VersionDiff from={v} to={current} />}
                </div>
              </details>
            </li>
          ))}
        </ul>
      )}
      <LoadMore status={status} onLoadMore={() => loadMore(PAGE_SIZE)} testId="versions-load-more" label="Older versions" />
    </section>
  );
}
