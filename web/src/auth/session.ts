import { createContext, useContext } from "react";
import type { AuthMode } from "../config";

/** What the shell needs to know about the signed-in person, whichever sign-in is in use. */
export type Session = {
  mode: AuthMode;
  /** Name to show for the signed-in user (null while unknown). */
  displayName: string | null;
  /** A key that changes when a different user (or organisation) signs in. */
  userKey: string | null;
  signOut: () => Promise<void>;
};

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error("useSession outside the auth provider");
  return session;
}
