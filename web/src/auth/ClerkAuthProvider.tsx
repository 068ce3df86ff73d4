import { ClerkProvider, useAuth, useClerk, useUser } from "@clerk/clerk-react";
import { useMemo, type ReactNode } from "react";
import { ConvexProviderWithClerk, type ConvexReactClient } from "../lib/convex";
import { SessionContext, type Session } from "./session";

function ClerkSessionBridge({ children }: { children: ReactNode }) {
  const { user } = useUser();
  const { orgId } = useAuth();
  const clerk = useClerk();
  const value = useMemo<Session>(
    () => ({
      mode: "clerk",
      displayName: user?.fullName ?? user?.primaryEmailAddress?.emailAddress ?? null,
      userKey: user ? `${user.id}|${orgId ?? ""}` : null,
      signOut: async () => {
        await clerk.signOut({ redirectUrl: "/signin" });
      },
    }),
    [user, orgId, clerk],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** Sign-in through Clerk; Convex gets Clerk's "convex" JWT (with the org claims). */
export default function ClerkAuthProvider({
  client,
  publishableKey,
  children,
}: {
  client: ConvexReactClient;
  publishableKey: string;
  children: ReactNode;
}) {
  return (
    <ClerkProvider publishableKey={publishableKey} afterSignOutUrl="/signin">
      <ConvexProviderWithClerk client={client} useAuth={useAuth}>
        <ClerkSessionBridge>{children}</ClerkSessionBridge>
      </ConvexProviderWithClerk>
    </ClerkProvider>
  );
}
