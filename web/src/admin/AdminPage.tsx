import { useEffect } from "react";
import { useAccount } from "../shell/AccountProvider";
import { PageErrorBoundary } from "../shell/PageError";
import { AccountsTable } from "./AccountsTable";
import { AdminAudit } from "./AdminAudit";
import { ClerkEvents } from "./ClerkEvents";
import { FeatureFlags } from "./FeatureFlags";
import { PlatformSwitches } from "./PlatformSwitches";
import { UsersSearch } from "./UsersSearch";
import "./admin.css";

/**
 * The platform admin page: the platform's switches (pause, maintenance with
 * its held messages), every account (suspend / resume, its members), users
 * (find, suspend / resume), feature flags, the Clerk webhook events and the
 * platform audit log. Everyone else sees a note saying it is for
 * platform admins; the server refuses them anyway.
 */
export function AdminPage() {
  const { viewer } = useAccount();
  useEffect(() => {
    document.title = "Admin · Harness";
  }, []);
  if (!viewer.isPlatformAdmin) {
    return (
      <main className="page" id="main" data-testid="admin-page">
        <h1>Admin</h1>
        <p data-testid="platform-admin-only">This page is for platform admins only. Account settings are on the other pages.</p>
      </main>
    );
  }
  return (
    <main className="page wide admin" id="main" data-testid="admin-page">
      <h1>Platform admin</h1>
      <p className="muted small">Changes here apply to every account and are recorded in the platform audit log below.</p>
      <PageErrorBoundary what="the platform switches">
        <PlatformSwitches />
      </PageErrorBoundary>
      <PageErrorBoundary what="the accounts">
        <AccountsTable />
      </PageErrorBoundary>
      <PageErrorBoundary what="the users">
        <UsersSearch />
      </PageErrorBoundary>
      <PageErrorBoundary what="the feature flags">
        <FeatureFlags />
      </PageErrorBoundary>
      <PageErrorBoundary what="the Clerk webhook events">
        <ClerkEvents />
      </PageErrorBoundary>
      <PageErrorBoundary what="the audit log">
        <AdminAudit />
      </PageErrorBoundary>
    </main>
  );
}
