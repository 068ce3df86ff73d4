import { lazy, Suspense, type ReactNode } from "react";
import { authMode, config } from "../config";
import type { ConvexReactClient } from "../lib/convex";
import { FullPageStatus } from "../shell/FullPageStatus";
import { LocalAuthProvider } from "./LocalAuthProvider";

// Clerk's SDK is only downloaded when a Clerk key is configured.
const ClerkAuthProvider = lazy(() => import("./ClerkAuthProvider"));

/** Clerk when VITE_CLERK_PUBLISHABLE_KEY is set, the local engine's sign-in otherwise. */
export function AuthProvider({ client, children }: { client: ConvexReactClient; children: ReactNode }) {
  if (authMode === "clerk" && config.clerkPublishableKey !== undefined) {
    return (
      <Suspense fallback={<FullPageStatus>Loading…</FullPageStatus>}>
        <ClerkAuthProvider client={client} publishableKey={config.clerkPublishableKey}>
          {children}
        </ClerkAuthProvider>
      </Suspense>
    );
  }
  return <LocalAuthProvider client={client}>{children}</LocalAuthProvider>;
}
