/**
 * Every page of the app, each downloaded when it is first opened, so the
 * first page (sign-in, then chat) carries only the shell and those two
 * (`npm run size` prints what each costs; scripts/web/size.ts holds the
 * budget). While a page loads, its place below the top bar says so.
 */
import { lazy, Suspense, type ComponentType } from "react";

function PageLoading() {
  return (
    <main className="page" id="main" aria-busy="true">
      <p className="muted" role="status" data-testid="page-loading">
        Loading…
      </p>
    </main>
  );
}

/** A route component whose code is loaded on first render, with the page placeholder meanwhile. */
function lazyPage(load: () => Promise<ComponentType>): ComponentType {
  const Page = lazy(async () => ({ default: await load() }));
  return function LazyPage() {
    return (
      <Suspense fallback={<PageLoading />}>
        <Page />
      </Suspense>
    );
  };
}

export const SignInPage = lazyPage(() => import("./auth/SignInPage").then((m) => m.SignInPage));
export const ChatPage = lazyPage(() => import("./chat/ChatPage").then((m) => m.ChatPage));
export const AgentsPage = lazyPage(() => import("./agents/routes").then((m) => m.AgentsPage));
export const AgentPage = lazyPage(() => import("./agents/routes").then((m) => m.AgentPage));
export const DelegationsRoute = lazyPage(() => import("./agents/routes").then((m) => m.DelegationsRoute));
export const ImportPage = lazyPage(() => import("./agents/routes").then((m) => m.ImportPage));
export const RunsPage = lazyPage(() => import("./runs/RunsPage").then((m) => m.RunsPage));
export const RunPage = lazyPage(() => import("./runs/RunPage").then((m) => m.RunPage));
export const KnowledgePage = lazyPage(() => import("./knowledge/KnowledgePage").then((m) => m.KnowledgePage));
export const AboutMePage = lazyPage(() => import("./knowledge/AboutMePage").then((m) => m.AboutMePage));
export const UsagePage = lazyPage(() => import("./usage/UsagePage").then((m) => m.UsagePage));
export const JobsPage = lazyPage(() => import("./jobs/JobsPage").then((m) => m.JobsPage));
export const AdminPage = lazyPage(() => import("./admin/AdminPage").then((m) => m.AdminPage));
export const SettingsPage = lazyPage(() => import("./settings/SettingsPage").then((m) => m.SettingsPage));
