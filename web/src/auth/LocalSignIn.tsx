import { useEffect, useId, useState, type FormEvent } from "react";
import { useRun } from "../lib/useRun";
import { useStateResetBy } from "../lib/useStateResetBy";
import { useLocalAuth } from "./LocalAuthProvider";
import { describeLocalUser, inputFor, listLocalUsers, type LocalUser, type LocalUserInput } from "./localAuth";
import "./auth.css";

const ROLES = [
  { value: "org:member", label: "Member" },
  { value: "org:admin", label: "Admin" },
  { value: "org:readonly", label: "Read-only" },
];

/**
 * Local sign-in (no Clerk key configured): pick a user signed in before, or
 * type a name and optionally an organisation. The engine mints the same claims
 * Clerk would; only the local engine accepts them.
 */
export function LocalSignIn({ waiting }: { waiting: boolean }) {
  const { signIn } = useLocalAuth();
  const [users, setUsers] = useState<LocalUser[] | null>(null);
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [orgId, setOrgId] = useState("");
  const [orgSlug, setOrgSlug] = useState("");
  const [orgRole, setOrgRole] = useState("org:member");
  const { run, pending, error } = useRun(signIn);
  // Back to false whenever `waiting` changes.
  const [slow, setSlow] = useStateResetBy(waiting, false);
  const ids = { name: useId(), email: useId(), orgId: useId(), orgSlug: useId(), orgRole: useId(), orgHint: useId() };

  useEffect(() => {
    let live = true;
    listLocalUsers().then(
      (list) => live && setUsers(list),
      () => live && setUsers([]),
    );
    return () => {
      live = false;
    };
  }, []);

  // Signed in locally but the server has not confirmed yet: say so if it takes long.
  useEffect(() => {
    if (!waiting) return;
    const timer = window.setTimeout(() => setSlow(true), 8000);
    return () => window.clearTimeout(timer);
  }, [waiting, setSlow]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input: LocalUserInput = {
      name: name.trim(),
      ...(email.trim() ? { email: email.trim() } : {}),
      ...(orgId.trim() ? { orgId: orgId.trim(), orgRole, ...(orgSlug.trim() ? { orgSlug: orgSlug.trim() } : {}) } : {}),
    };
    void run(input);
  };

  const busy = pending;

  return (
    <div className="signin-card" data-testid="signin-local">
      <h1>Sign in</h1>
      <p className="muted">
        Local sign-in for this development server. It only works here; a real deployment signs in with Clerk.
      </p>

      {users !== null && users.length > 0 && (
        <section aria-labelledby="signin-recent" className="signin-recent">
          <h2 id="signin-recent">Continue as</h2>
          <ul>
            {users.slice(0, 8).map((user) => (
              <li key={`${user.subject}|${user.orgId ?? ""}`}>
                <button
                  type="button"
                  className="button secondary block"
                  data-testid="signin-user"
                  disabled={busy}
                  onClick={() => void run(inputFor(user))}
                >
                  {describeLocalUser(user)}
                  <span className="muted small"> {user.email}</span>
                </button>
              </li>
            ))}
          </ul>
          <h2>Or someone new</h2>
        </section>
      )}

      <form onSubmit={submit} className="stack" aria-label="Local sign-in">
        <div className="field">
          <label htmlFor={ids.name}>Name</label>
          <input
            id={ids.name}
            data-testid="signin-name"
            name="name"
            autoComplete="name"
            required
            maxLength={80}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.email}>
            Email <span className="muted">(optional)</span>
          </label>
          <input
            id={ids.email}
            data-testid="signin-email"
            name="email"
            type="email"
            autoComplete="email"
            maxLength={120}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <fieldset className="field-group">
          <legend>
            Organisation <span className="muted">(optional)</span>
          </legend>
          <p id={ids.orgHint} className="muted small">
            Without one you use your personal account. The same organisation id puts several users in one shared account.
          </p>
          <div className="field-row">
            <div className="field">
              <label htmlFor={ids.orgId}>Organisation id</label>
              <input
                id={ids.orgId}
                data-testid="signin-org-id"
                name="orgId"
                placeholder="org_acme"
                pattern="[A-Za-z0-9_\-]+"
                maxLength={64}
                aria-describedby={ids.orgHint}
                value={orgId}
                onChange={(e) => setOrgId(e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor={ids.orgSlug}>Organisation name (slug)</label>
              <input
                id={ids.orgSlug}
                data-testid="signin-org-slug"
                name="orgSlug"
                placeholder="acme"
                pattern="[A-Za-z0-9_\-]+"
                maxLength={64}
                disabled={orgId.trim() === ""}
                value={orgSlug}
                onChange={(e) => setOrgSlug(e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor={ids.orgRole}>Role</label>
              <select
                id={ids.orgRole}
                data-testid="signin-org-role"
                name="orgRole"
                disabled={orgId.trim() === ""}
                value={orgRole}
                onChange={(e) => setOrgRole(e.target.value)}
              >
                {ROLES.map((role) => (
                  <option key={role.value} value={role.value}>
                    {role.label}
                  </option>
                ))}
              </select>
            </div>
          </div>
        </fieldset>
        {error !== null && (
          <p role="alert" className="error" data-testid="signin-error">
            {error}
          </p>
        )}
        {slow && (
          <p role="alert" className="error" data-testid="signin-error">
            The server has not accepted this sign-in (it may have been restarted with fresh data, or stopped). Sign in again.
          </p>
        )}
        <button type="submit" className="button primary" data-testid="signin-submit" disabled={busy || name.trim() === ""}>
          {pending || (waiting && !slow) ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </div>
  );
}
