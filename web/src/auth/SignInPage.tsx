import { lazy, Suspense, useEffect } from "react";
import { Navigate, useLocation } from "react-router";
import { authMode } from "../config";
import { useConvexAuth } from "../lib/convex";
import { FullPageStatus } from "../shell/FullPageStatus";
import { LocalSignIn } from "./LocalSignIn";
import { useSession } from "./session";
import "./auth.css";

const ClerkSignIn = lazy(() => import("./ClerkSignIn"));

function returnPath(state: unknown): string {
  const from = (state as { from?: unknown } | null)?.from;
  return typeof from === "string" && from.startsWith("/") && !from.startsWith("/signin") ? from : "/chat";
}

export function SignInPage() {
  const { isLoading, isAuthenticated } = useConvexAuth();
  const { userKey } = useSession();
  const location = useLocation();

  useEffect(() => {
    document.title = "Sign in · Harness";
  }, []);

  if (isAuthenticated) return <Navigate to={returnPath(location.state)} replace />;

  return (
    <main className="signin-page" id="main">
      {authMode === "clerk" ? (
        isLoading ? (
          <FullPageStatus>Loading sign-in…</FullPageStatus>
        ) : (
          <Suspense fallback={<FullPageStatus>Loading sign-in…</FullPageStatus>}>
            <ClerkSignIn />
          </Suspense>
        )
      ) : (
        // Signed in locally, waiting for the server to accept the token.
        <LocalSignIn waiting={userKey !== null && !isAuthenticated} />
      )}
    </main>
  );
}
