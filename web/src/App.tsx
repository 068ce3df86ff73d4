import { BrowserRouter, Link, Navigate, Route, Routes } from "react-router";
import { AuthProvider } from "./auth/AuthProvider";
// Pages load when first opened (routes.tsx): new pages go there too.
import {
  AboutMePage,
  AdminPage,
  AgentPage,
  AgentsPage,
  ChatPage,
  DelegationsRoute,
  ImportPage,
  JobsPage,
  KnowledgePage,
  RunPage,
  RunsPage,
  SettingsPage,
  SignInPage,
  UsagePage,
} from "./routes";
import type { ConvexReactClient } from "./lib/convex";
import { AccountProvider } from "./shell/AccountProvider";
import { Layout } from "./shell/Layout";
import { RequireAuth } from "./shell/RequireAuth";

/**
 * Routes:
 *   /                → /chat
 *   /signin          sign-in (Clerk or local)
 *   /chat            threads + new thread
 *   /chat/:threadId  one thread
 *   /agents          agent builder: list, create, templates (/agents/graph delegations, /agents/import manifests)
 *   /agents/:agentId one agent: definition, status, tools, manifest, versions
 *   /runs            runs list (support staff), filters in the query string
 *   /runs/:interactionId  one run: timeline, delegation tree, controls, audit
 *   /knowledge       scopes, documents (status, upload, delete), facts, search; ?scope=…&document=<id>&at=<place>
 *   /knowledge/about-me  what the agents know about you: facts, provenance, correct / forget, locale
 *   /usage           budgets, daily usage chart, monthly cap (admins)
 *   /jobs            the user's background jobs
 *   /admin           platform admins: pause, maintenance, accounts, feature flags, platform audit log
 *   /settings        account admins: integrations (API keys, webhooks with their delivery log, how to call the API)
 * Later pages (Agents, Runs, Jobs, Knowledge, Usage) go beside /chat under the
 * signed-in layout; see shell/nav.ts.
 */
export function App({ client }: { client: ConvexReactClient }) {
  return (
    <BrowserRouter>
      <AuthProvider client={client}>
        <Routes>
          <Route path="/signin" element={<SignInPage />} />
          <Route
            element={
              <RequireAuth>
                <AccountProvider>
                  <Layout />
                </AccountProvider>
              </RequireAuth>
            }
          >
            <Route index element={<Navigate to="/chat" replace />} />
            <Route path="chat" element={<ChatPage />} />
            <Route path="chat/:threadId" element={<ChatPage />} />
            <Route path="agents" element={<AgentsPage />} />
            <Route path="agents/graph" element={<DelegationsRoute />} />
            <Route path="agents/import" element={<ImportPage />} />
            <Route path="agents/:agentId" element={<AgentPage />} />
            <Route path="runs" element={<RunsPage />} />
            <Route path="runs/:interactionId" element={<RunPage />} />
            <Route path="knowledge" element={<KnowledgePage />} />
            <Route path="knowledge/about-me" element={<AboutMePage />} />
            <Route path="usage" element={<UsagePage />} />
            <Route path="jobs" element={<JobsPage />} />
            <Route path="admin" element={<AdminPage />} />
            <Route path="settings" element={<SettingsPage />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </AuthProvider>
    </BrowserRouter>
  );
}

function NotFound() {
  return (
    <main className="page" id="main" data-testid="not-found">
      <h1>Page not found</h1>
      <p>
        <Link to="/chat">Go to your chats</Link>
      </p>
    </main>
  );
}
