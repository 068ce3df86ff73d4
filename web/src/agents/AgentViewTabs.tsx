/**
 * The agent page's tabs: each view the agent declares (agents:getViews) and
 * its settings (the builder). The open tab is in the URL (`?view=<key>`), so
 * a board can be linked to and survives a reload. A view this app cannot
 * show gets a card that says so, never a blank tab.
 */
import { useRef, type KeyboardEvent, type ReactNode } from "react";
import { useSearchParams } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { FunctionReturnType } from "../lib/convex";
import { useQueryResult } from "../lib/useQueryResult";
import { errorText } from "../lib/errors";
import { useAccount } from "../shell/AccountProvider";
import { PageErrorBoundary } from "../shell/PageError";
import { KanbanBoard } from "../tasks/KanbanBoard";
import { ConversationView } from "./ConversationView";
import "./agents.css";

type View = FunctionReturnType<typeof api.agents.agents.getViews>[number];

export const SETTINGS_TAB = "settings";

export function AgentViewTabs({ agent, settings }: { agent: { agentId: Id<"agents">; name: string; status: string }; settings: ReactNode }) {
  const { accountId, account } = useAccount();
  const { data: views, error } = useQueryResult(api.agents.agents.getViews, { accountId, agentId: agent.agentId });
  const [params, setParams] = useSearchParams();
  const tabRefs = useRef(new Map<string, HTMLButtonElement>());
  const tabs = [...(views ?? []).map((view) => ({ key: view.key, name: view.name })), { key: SETTINGS_TAB, name: "Settings" }];
  const selected = tabs.find((tab) => tab.key === params.get("view"))?.key ?? SETTINGS_TAB;
  const select = (key: string) => setParams((previous) => ({ ...Object.fromEntries(previous), view: key }), { replace: true });
  const onKeyDown = (event: KeyboardEvent) => {
    const index = tabs.findIndex((tab) => tab.key === selected);
    const next = event.key === "ArrowRight" ? tabs[(index + 1) % tabs.length] : event.key === "ArrowLeft" ? tabs[(index - 1 + tabs.length) % tabs.length] : undefined;
    if (next === undefined) return;
    event.preventDefault();
    select(next.key);
    tabRefs.current.get(next.key)?.focus();
  };
  const view = views?.find((v) => v.key === selected);
  const canEdit = account.role !== "readonly";
  return (
    <>
      <div role="tablist" aria-label={`${agent.name}'s views`} className="view-tabs" onKeyDown={onKeyDown} data-testid="agent-view-tabs">
        {tabs.map((tab) => (
          <button
            key={tab.key}
            ref={(element) => {
              if (element) tabRefs.current.set(tab.key, element);
            }}
            type="button"
            role="tab"
            id={`view-tab-${tab.key}`}
            aria-selected={tab.key === selected}
            aria-controls="agent-view-panel"
            tabIndex={tab.key === selected ? 0 : -1}
            data-testid="agent-view-tab"
            data-view={tab.key}
            onClick={() => select(tab.key)}
          >
            {tab.name}
          </button>
        ))}
      </div>
      {error && (
        <p role="alert" className="error small">
          Could not load this agent's views: {errorText(error)}
        </p>
      )}
      <div role="tabpanel" id="agent-view-panel" aria-labelledby={`view-tab-${selected}`} className="view-panel">
        {view === undefined ? (
          settings
        ) : (
          <PageErrorBoundary what={`the ${view.name} view`}>
            <ViewBody view={view} agent={agent} canEdit={canEdit} />
          </PageErrorBoundary>
        )}
      </div>
    </>
  );
}

function ViewBody({ view, agent, canEdit }: { view: View; agent: { agentId: Id<"agents">; name: string; status: string }; canEdit: boolean }) {
  switch (view.type) {
    case "conversation":
      return <ConversationView agentId={agent.agentId} agentName={agent.name} canChat={agent.status === "active"} />;
    case "kanban":
      return <KanbanBoard agentId={agent.agentId} name={view.name} columns={view.columns} canEdit={canEdit} />;
    case "unsupported":
      return (
        <div className="card" role="note" data-testid="view-unsupported">
          <h2>{view.name}: not supported</h2>
          <p>
            This agent declares a “{view.declaredType}” view. {view.reason}
          </p>
          <p className="muted small">Its other views and its settings work as usual.</p>
        </div>
      );
  }
}
