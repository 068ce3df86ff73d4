import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { ConvexProviderWithAuth, type ConvexReactClient } from "../lib/convex";
import { useLatest } from "../lib/useLatest";
import { SessionContext, type Session } from "./session";
import {
  LOCAL_SESSION_KEY,
  clearLocalSession,
  inputFor,
  loadLocalSession,
  requestLocalToken,
  saveLocalSession,
  type LocalSession,
  type LocalUserInput,
} from "./localAuth";

type LocalAuthState = {
  session: LocalSession | null;
  signIn: (input: LocalUserInput) => Promise<void>;
  signOut: () => void;
  /** Replace the stored token (after a refresh) without changing who is signed in. */
  refreshed: (session: LocalSession) => void;
};

const LocalAuthContext = createContext<LocalAuthState | null>(null);

export function useLocalAuth(): LocalAuthState {
  const state = useContext(LocalAuthContext);
  if (state === null) throw new Error("useLocalAuth outside LocalAuthProvider");
  return state;
}

/** Tokens are refreshed this long before they expire. */
const REFRESH_MARGIN_MS = 60_000;

/** The `useAuth` ConvexProviderWithAuth calls: the local token, refreshed from the engine when needed. */
function useLocalConvexAuth() {
  const { session, refreshed } = useLocalAuth();
  const sessionRef = useLatest(session);
  // A new callback only when a different user signs in (a new callback makes Convex re-authenticate).
  const who = session === null ? null : `${session.user.subject}|${session.user.orgId ?? ""}`;
  const fetchAccessToken = useCallback(
    async ({ forceRefreshToken }: { forceRefreshToken: boolean }) => {
      const current = sessionRef.current;
      if (current === null || who === null) return null;
      if (!forceRefreshToken && current.expiresAt - Date.now() > REFRESH_MARGIN_MS) return current.token;
      try {
        const fresh = await requestLocalToken(inputFor(current.user));
        refreshed(fresh);
        return fresh.token;
      } catch {
        return null;
      }
    },
    [who, refreshed, sessionRef],
  );
  return useMemo(
    () => ({ isLoading: false, isAuthenticated: who !== null, fetchAccessToken }),
    [who, fetchAccessToken],
  );
}

function LocalSessionBridge({ children }: { children: ReactNode }) {
  const { session, signOut } = useLocalAuth();
  const value = useMemo<Session>(
    () => ({
      mode: "local",
      displayName: session?.user.name ?? null,
      userKey: session === null ? null : `${session.user.subject}|${session.user.orgId ?? ""}`,
      signOut: async () => signOut(),
    }),
    [session, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function LocalAuthProvider({ client, children }: { client: ConvexReactClient; children: ReactNode }) {
  const [session, setSession] = useState<LocalSession | null>(loadLocalSession);

  // Signing in or out in another tab does the same here.
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key === LOCAL_SESSION_KEY || event.key === null) setSession(loadLocalSession());
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, []);

  const signIn = useCallback(async (input: LocalUserInput) => {
    const fresh = await requestLocalToken(input);
    saveLocalSession(fresh);
    setSession(fresh);
  }, []);
  const signOut = useCallback(() => {
    clearLocalSession();
    setSession(null);
  }, []);
  const refreshed = useCallback((fresh: LocalSession) => {
    saveLocalSession(fresh);
    setSession(fresh);
  }, []);
  const state = useMemo(() => ({ session, signIn, signOut, refreshed }), [session, signIn, signOut, refreshed]);

  return (
    <LocalAuthContext.Provider value={state}>
      <ConvexProviderWithAuth client={client} useAuth={useLocalConvexAuth}>
        <LocalSessionBridge>{children}</LocalSessionBridge>
      </ConvexProviderWithAuth>
    </LocalAuthContext.Provider>
  );
}
