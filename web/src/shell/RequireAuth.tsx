import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { useConvexAuth } from "../lib/convex";
import { FullPageStatus } from "./FullPageStatus";

/** Children only for a signed-in user the server has accepted; otherwise to /signin (and back after). */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { isLoading, isAuthenticated } = useConvexAuth();
  const location = useLocation();
  if (isLoading) return <FullPageStatus>Signing you in…</FullPageStatus>;
  if (!isAuthenticated) {
    return <Navigate to="/signin" replace state={{ from: `${location.pathname}${location.search}` }} />;
  }
  return <>{children}</>;
}
