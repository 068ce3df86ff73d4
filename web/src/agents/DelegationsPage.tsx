/**
 * /agents/graph — who may delegate to whom. The graph is drawn (DelegationGraph)
 * and also listed as a table; a delegation is added with a form (or by
 * dragging between agents). A refused composition — a cycle, or a chain
 * deeper than the account allows — is explained in words and its chain is
 * marked on the graph and in the table.
 */
import { useId, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useMutation, useQuery, type FunctionReturnType } from "../lib/convex";
import { errorText } from "../lib/errors";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import { PageErrorBoundary } from "../shell/PageError";
import { AgentsTabs, PERMISSIONS, useCanBuild, type Permission } from "./common";
import { DelegationGraph } from "./DelegationGraph";
import { refusedChainOf, type RefusedChain } from "./errors";
import { chainParts, edgeKey, type GraphEdge } from "./graphModel";
import "./agents.css";

type Graph = FunctionReturnType<typeof api.agents.delegations.delegationGraph>;
type Refusal = { chain: RefusedChain; message: string; proposed: GraphEdge };

export function DelegationsPage() {
  return (
    <main className="page wide" id="main" data-testid="delegations-page">
      <h1>Delegations</h1>
      <AgentsTabs />
      <p className="muted small">
        An arrow from one agent to another means the first may hand work to the second. A delegation that would let an agent end up delegating to itself
        (a cycle), or make a chain longer than this account allows, is refused.
      </p>
      <PageErrorBoundary what="the delegation graph">
        <Delegations />
      </PageErrorBoundary>
    </main>
  );
}

function Delegations() {
  const { accountId } = useAccount();
  const graph = useQuery(api.agents.delegations.delegationGraph, { accountId });
  const canBuild = useCanBuild();
  const compose = useMutation(api.agents.delegations.compose);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  if (graph === undefined) {
    return (
      <p className="muted" role="status" data-testid="graph-loading">
        Loading the delegation graph…
      </p>
    );
  }
  if (graph.nodes.length === 0) {
    return (
      <p className="muted" data-testid="graph-empty">
        This account has no agents yet. <Link to="/agents">Create one or start from a template</Link>, then compose delegations here.
      </p>
    );
  }
  const nameOf = (id: string) => graph.nodes.find((n) => n.agentId === id)?.name ?? "an agent";

  const submit = async (edge: GraphEdge, options: { permission: Permission; needsApproval: boolean }) => {
    setPending(true);
    setRefusal(null);
    setError(null);
    setDone(null);
    try {
      const result = await compose({ accountId, fromAgentId: edge.from as Id<"agents">, toAgentId: edge.to as Id<"agents">, ...options });
      setDone(
        result.created
          ? `${nameOf(edge.from)} may now delegate to ${nameOf(edge.to)} (tool ${result.toolSlug}).`
          : `Updated how ${nameOf(edge.from)} delegates to ${nameOf(edge.to)}.`,
      );
    } catch (caught) {
      const chain = refusedChainOf(caught);
      if (chain) setRefusal({ chain, message: errorText(caught), proposed: edge });
      else setError(errorText(caught));
    } finally {
      setPending(false);
    }
  };

  const highlight = refusal?.chain.agents.map((a) => a.agentId) ?? null;
  return (
    <>
      <p className="small" data-testid="graph-depth" data-depth={graph.depth} data-max-depth={graph.maxDepth}>
        Longest chain: <strong>{graph.depth}</strong> delegation{graph.depth === 1 ? "" : "s"} deep; this account allows at most {graph.maxDepth}.
      </p>
      <div className="graph-layout">
        <div>
          <DelegationGraph
            agents={graph.nodes}
            edges={graph.edges}
            highlight={highlight}
            proposed={refusal?.proposed ?? null}
            {...(canBuild ? { onConnect: (edge: GraphEdge) => void submit(edge, { permission: "read", needsApproval: false }) } : {})}
          />
          {canBuild && <p className="muted small">You can also drag from the lower edge of one agent to another to let it delegate there.</p>}
        </div>
        <div className="graph-side">
          {refusal && <RefusalExplained refusal={refusal} maxDepth={graph.maxDepth} onDismiss={() => setRefusal(null)} />}
          {error && (
            <p className="error" role="alert" data-testid="compose-error">
              Could not compose the delegation: {error}
            </p>
          )}
          {done && (
            <p className="small" role="status" data-testid="compose-done">
              {done}
            </p>
          )}
          {canBuild ? (
            <ComposeForm graph={graph} pending={pending} onSubmit={(edge, options) => void submit(edge, options)} />
          ) : (
            <p className="muted small" data-testid="agents-read-only">
              Only account admins can compose delegations.
            </p>
          )}
        </div>
      </div>
      <DelegationTable graph={graph} highlight={highlight} canBuild={canBuild} />
    </>
  );
}

function ComposeForm({ graph, pending, onSubmit }: { graph: Graph; pending: boolean; onSubmit: (edge: GraphEdge, options: { permission: Permission; needsApproval: boolean }) => void }) {
  const id = useId();
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [permission, setPermission] = useState<Permission>("read");
  const [needsApproval, setNeedsApproval] = useState(false);
  const exists = graph.edges.some((e) => e.from === from && e.to === to);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (from === "" || to === "") return;
    onSubmit({ from, to }, { permission, needsApproval });
  };
  const agentOptions = graph.nodes.map((n) => (
    <option key={n.agentId} value={n.agentId}>
      {n.name}
      {n.status !== "active" ? ` (${n.status})` : ""}
    </option>
  ));
  return (
    <form className="card compose-form" aria-labelledby={`${id}-h`} onSubmit={submit} data-testid="compose-form">
      <h2 id={`${id}-h`}>Add a delegation</h2>
      <div className="compose-fields">
        <label className="field">
          <span>Agent</span>
          <select value={from} onChange={(e) => setFrom(e.target.value)} required data-testid="compose-from">
            <option value="">Choose…</option>
            {agentOptions}
          </select>
        </label>
        <label className="field">
          <span>may delegate to</span>
          <select value={to} onChange={(e) => setTo(e.target.value)} required data-testid="compose-to">
            <option value="">Choose…</option>
            {agentOptions}
          </select>
        </label>
        <label className="field">
          <span>Lending permission</span>
          <select value={permission} onChange={(e) => setPermission(e.target.value as Permission)} data-testid="compose-permission">
            {PERMISSIONS.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={needsApproval} onChange={(e) => setNeedsApproval(e.target.checked)} data-testid="compose-approval" />
          Ask before each delegation
        </label>
        <button type="submit" className="button primary" disabled={pending || from === "" || to === ""} data-testid="compose-submit">
          {pending ? "Checking…" : exists ? "Update delegation" : "Add delegation"}
        </button>
      </div>
      <p className="muted small">
        The permission is the authority the delegate works with: it may use only its tools at or below that level while working for the first agent.
      </p>
    </form>
  );
}

/** The refusal in words, with the chain spelled out agent by agent. */
function RefusalExplained({ refusal, maxDepth, onDismiss }: { refusal: Refusal; maxDepth: number; onDismiss: () => void }) {
  const { chain, proposed } = refusal;
  const names = chain.agents.map((a) => a.name);
  const from = chain.agents.find((a) => a.agentId === proposed.from)?.name ?? "this agent";
  const to = chain.agents.find((a) => a.agentId === proposed.to)?.name ?? "that agent";
  return (
    <div className="refusal" role="alert" data-testid="delegation-refusal" data-reason={chain.reason}>
      <p>
        <strong>Refused.</strong> {refusal.message}
      </p>
      {chain.reason === "cycle" ? (
        <p className="small">
          {proposed.from === proposed.to
            ? `${from} cannot delegate to itself.`
            : `${to} can already reach ${from} through the delegations marked in red, so letting ${from} delegate to ${to} would close a loop: a task could be handed round forever.`}{" "}
          Remove one of the marked delegations first if you need this one.
        </p>
      ) : (
        <p className="small">
          With it, the chain marked in red would be {names.length - 1} delegations long, and this account allows at most {maxDepth}. Shorten the chain
          (remove a marked delegation), or ask an account admin to raise the limit.
        </p>
      )}
      <ol className="refusal-chain" aria-label="The chain" data-testid="refusal-chain">
        {chain.agents.map((a, i) => (
          <li key={`${a.agentId}-${i}`} data-agent-id={a.agentId}>
            <Link to={`/agents/${a.agentId}`}>{a.name}</Link>
          </li>
        ))}
      </ol>
      <button type="button" className="button small secondary" data-testid="refusal-dismiss" onClick={onDismiss}>
        Clear the marking
      </button>
    </div>
  );
}

/** The same graph as a table: readable without the drawing, and where delegations are removed. */
function DelegationTable({ graph, highlight, canBuild }: { graph: Graph; highlight: string[] | null; canBuild: boolean }) {
  const marked = chainParts(highlight ?? []).edges;
  const nameOf = (id: string) => graph.nodes.find((n) => n.agentId === id)?.name ?? "an agent";
  return (
    <section aria-labelledby="delegation-list-heading">
      <h2 id="delegation-list-heading">All delegations</h2>
      {graph.edges.length === 0 ? (
        <p className="muted" data-testid="delegations-empty">
          No agent delegates to another yet.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="delegation-list">
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">may delegate to</th>
                <th scope="col">Tool</th>
                {canBuild && (
                  <th scope="col">
                    <span className="visually-hidden">Remove</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {graph.edges.map((e) => (
                <DelegationRow
                  key={edgeKey(e.from, e.to)}
                  edge={e}
                  fromName={nameOf(e.from)}
                  toName={nameOf(e.to)}
                  highlighted={marked.has(edgeKey(e.from, e.to))}
                  canBuild={canBuild}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function DelegationRow({ edge, fromName, toName, highlighted, canBuild }: { edge: Graph["edges"][number]; fromName: string; toName: string; highlighted: boolean; canBuild: boolean }) {
  const { accountId } = useAccount();
  const decompose = useMutation(api.agents.delegations.decompose);
  const [confirming, setConfirming] = useState(false);
  const { run, pending, error } = useRun(() => decompose({ accountId, fromAgentId: edge.from, toAgentId: edge.to }));
  return (
    <tr data-testid="delegation-row" data-from={edge.from} data-to={edge.to} data-highlighted={String(highlighted)} className={highlighted ? "highlighted-row" : undefined}>
      <td>
        <Link to={`/agents/${edge.from}`}>{fromName}</Link>
      </td>
      <td>
        <Link to={`/agents/${edge.to}`}>{toName}</Link>
        {highlighted && <span className="badge refused-badge">in the refused chain</span>}
      </td>
      <td>
        <code className="small">{edge.toolSlug}</code>
      </td>
      {canBuild && (
        <td>
          {confirming ? (
            <span className="row">
              <button type="button" className="button small primary" disabled={pending} data-testid="delegation-remove-confirm" onClick={() => void run()}>
                {pending ? "Removing…" : `Stop ${fromName} delegating to ${toName}`}
              </button>
              <button type="button" className="button small ghost" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </span>
          ) : (
            <button type="button" className="button small ghost" aria-label={`Remove: ${fromName} delegates to ${toName}`} data-testid="delegation-remove" onClick={() => setConfirming(true)}>
              Remove
            </button>
          )}
          {error && (
            <div className="error small" role="alert">
              {error}
            </div>
          )}
        </td>
      )}
    </tr>
  );
}
