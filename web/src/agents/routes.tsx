/**
 * The agent builder's pages, for App.tsx. The delegation graph (React Flow +
 * dagre) is loaded only when it is opened, so other pages do not carry it.
 */
import { lazy, Suspense } from "react";

export { AgentPage } from "./AgentPage";
export { AgentsPage } from "./AgentsPage";
export { ImportPage } from "./ImportPage";

const DelegationsPage = lazy(() => import("./DelegationsPage").then((m) => ({ default: m.DelegationsPage })));

export function DelegationsRoute() {
  return (
    <Suspense
      fallback={
        <main className="page wide" id="main">
          <h1>Delegations</h1>
          <p className="muted" role="status" data-testid="graph-loading">
            Loading the delegation graph…
          </p>
        </main>
      }
    >
      <DelegationsPage />
    </Suspense>
  );
}
