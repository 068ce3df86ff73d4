import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useSession } from "../auth/session";
import { useMutation, type FunctionReturnType } from "../lib/convex";
import { errorText } from "../lib/errors";
import { readJson, writeJson } from "../lib/storage";
import { useQueryResult } from "../lib/useQueryResult";
import { useStateResetBy } from "../lib/useStateResetBy";
import { FullPageStatus } from "./FullPageStatus";
import "./shell.css";

export type Viewer = FunctionReturnType<typeof api.tenancy.viewer.get>;
export type ViewerAccount = Viewer["accounts"][number];
export type AccountId = Id<"accounts">;

type AccountState = {
  viewer: Viewer;
  accountId: AccountId;
  account: ViewerAccount;
  setAccountId: (accountId: AccountId) => void;
};

const AccountContext = createContext<AccountState | null>(null);

/** The selected account (its id goes into every call as `accountId`). */
export function useAccount(): AccountState {
  const state = useContext(AccountContext);
  if (state === null) throw new Error("useAccount outside AccountProvider");
  return state;
}

/** Remembered per user: the account picked, and the account the sign-in pointed at when it was picked. */
type StoredChoice = { accountId: AccountId; tokenAccountId: AccountId | null };
const storageKey = (userId: string) => `harness.account.${userId}`;

/**
 * After sign-in: calls `tenancy.viewer.sync` once (creates the profile,
 * account and membership on first use), then follows `tenancy.viewer.get`.
 * A fresh sign-in into another organisation selects that organisation's
 * account; otherwise the last account picked stays selected across reloads.
 */
export function AccountProvider({ children }: { children: ReactNode }) {
  const { userKey, signOut } = useSession();
  const sync = useMutation(api.tenancy.viewer.sync);
  const [synced, setSynced] = useState<{ key: string | null; tokenAccountId: AccountId | null } | null>(null);
  const [attempt, setAttempt] = useState(0);
  // The error of this user's latest attempt (none while a new attempt runs).
  const [syncError, setSyncError] = useStateResetBy<string | null>(`${userKey}:${attempt}`, null);

  useEffect(() => {
    let live = true;
    sync({}).then(
      (viewer) => live && setSynced({ key: userKey, tokenAccountId: viewer.activeAccountId }),
      (error: unknown) => live && setSyncError(errorText(error)),
    );
    return () => {
      live = false;
    };
  }, [sync, userKey, attempt, setSyncError]);

  const ready = synced !== null && synced.key === userKey;
  // A live refusal (suspended or deleted while the app is open) becomes the
  // same screen as a refused sync, instead of an error thrown through the tree.
  const { data: viewer, error: viewerError } = useQueryResult(api.tenancy.viewer.get, ready ? {} : "skip");
  const [picked, setPicked] = useState<AccountId | null>(null);

  const accountId = useMemo(() => {
    if (viewer === undefined || !ready) return null;
    const valid = (id: AccountId | null | undefined): id is AccountId =>
      id !== null && id !== undefined && viewer.accounts.some((a) => a.accountId === id);
    if (valid(picked)) return picked;
    const stored = readJson<StoredChoice>(storageKey(viewer.userId));
    if (stored !== null && stored.tokenAccountId === synced.tokenAccountId && valid(stored.accountId)) return stored.accountId;
    if (valid(synced.tokenAccountId)) return synced.tokenAccountId;
    return viewer.accounts[0]?.accountId ?? null;
  }, [viewer, ready, picked, synced]);

  const tokenAccountId = synced?.tokenAccountId ?? null;
  const userId = viewer?.userId;
  const setAccountId = useCallback(
    (id: AccountId) => {
      setPicked(id);
      if (userId !== undefined) writeJson(storageKey(userId), { accountId: id, tokenAccountId } satisfies StoredChoice);
    },
    [userId, tokenAccountId],
  );

  const account = viewer?.accounts.find((a) => a.accountId === accountId);
  const value = useMemo(
    () => (viewer && accountId && account ? { viewer, accountId, account, setAccountId } : null),
    [viewer, accountId, account, setAccountId],
  );

  const refusal = syncError ?? (viewerError !== null ? errorText(viewerError) : null);
  if (refusal !== null) {
    return (
      <FullPageStatus busy={false}>
        <p role="alert" className="error" data-testid="sync-error">
          Could not load your profile: {refusal}
        </p>
        <div className="row">
          <button type="button" className="button primary" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
          <button type="button" className="button secondary" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </FullPageStatus>
    );
  }
  if (viewer === undefined || !ready) return <FullPageStatus>Loading your accounts…</FullPageStatus>;
  if (value === null) {
    return (
      <FullPageStatus busy={false}>
        <p data-testid="no-accounts">You are not an active member of any account. Ask an account admin to invite you.</p>
        <button type="button" className="button secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      </FullPageStatus>
    );
  }
  return <AccountContext.Provider value={value}>{children}</AccountContext.Provider>;
}
