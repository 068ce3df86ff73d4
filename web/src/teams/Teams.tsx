/**
 * Settings → Teams, for the account's admins: the account's teams (create,
 * rename, archive, restore) and each team's members with their team role (add, change,
 * remove). Teams decide who sees team knowledge, which agents someone may use
 * and which team budget their turns spend; every change is in the audit log.
 */
import { useId, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { FieldMessage, invalidProps } from "../agents/common";
import { useMutation, usePaginatedQuery, useQuery, type FunctionReturnType } from "../lib/convex";
import { useFormSubmit } from "../lib/useFormSubmit";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import { LoadMore } from "../shell/LoadMore";
import { TeamBudget } from "./TeamBudget";
import "./teams.css";

type Team = FunctionReturnType<typeof api.teams.teams.list>[number];
type TeamRole = "lead" | "member";

const ROLE_WORDS: Record<TeamRole, string> = { lead: "Lead", member: "Member" };
const MEMBERS_PAGE = 25;
/** Account members offered in the "add member" list. */
const ACCOUNT_MEMBERS_SHOWN = 100;

export function Teams() {
  const { accountId } = useAccount();
  const [showArchived, setShowArchived] = useState(false);
  const teams = useQuery(api.teams.teams.list, { accountId, includeArchived: showArchived });
  return (
    <section aria-labelledby="teams-heading" className="teams" data-testid="teams">
      <h2 id="teams-heading">Teams</h2>
      <p className="muted small">
        Group people inside this account. A team&apos;s members see its knowledge, can use the agents made available to it, and spend its budget; leads also add
        its documents. Archiving a team takes all of that away from its members at once; restoring it gives it back as it was.
      </p>
      <NewTeamForm />
      <label className="small teams-archived-toggle">
        <input type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} data-testid="teams-show-archived" /> Show archived teams
      </label>
      {teams === undefined ? (
        <p className="muted" role="status" data-testid="teams-loading">
          Loading teams…
        </p>
      ) : teams.length === 0 ? (
        <p className="muted" data-testid="teams-empty">
          No teams yet. Create one above, then add people to it.
        </p>
      ) : (
        <ul className="cards" data-testid="team-list">
          {teams.map((team) => (
            <TeamCard key={team.teamId} team={team} />
          ))}
        </ul>
      )}
    </section>
  );
}

function NewTeamForm() {
  const { accountId } = useAccount();
  const create = useMutation(api.teams.teams.create);
  const id = useId();
  const [name, setName] = useState("");
  const { submit, pending, fieldError, general } = useFormSubmit(["name"], async () => {
    await create({ accountId, name });
    setName("");
  });
  return (
    <form className="card teams-form" onSubmit={submit} data-testid="team-create-form">
      <div className="field">
        <label htmlFor={`${id}-name`}>New team</label>
        <div className="row">
          <input
            id={`${id}-name`}
            required
            maxLength={60}
            placeholder="Sales"
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-testid="team-create-name"
            {...invalidProps(`${id}-name-error`, "name", fieldError)}
          />
          <button type="submit" className="button primary" disabled={pending} data-testid="team-create-submit">
            {pending ? "Creating…" : "Create team"}
          </button>
        </div>
        <FieldMessage id={`${id}-name-error`} field="name" error={fieldError} />
      </div>
      {general !== null && (
        <p className="error small" role="alert" data-testid="team-create-error">
          {general}
        </p>
      )}
    </form>
  );
}

function TeamCard({ team }: { team: Team }) {
  const archived = team.status === "archived";
  return (
    <li className="card team-card" data-testid="team-card" data-team-id={team.teamId} data-status={team.status}>
      <div className="row spread">
        <h3 className="team-name" data-testid="team-name">
          {team.name}
          {archived && <span className="badge"> archived</span>}
        </h3>
        {archived ? <RestoreTeam team={team} /> : <ArchiveTeam team={team} />}
      </div>
      {!archived && <RenameTeam team={team} />}
      <TeamBudget teamId={team.teamId} editable={!archived} />
      <TeamMembers teamId={team.teamId} teamName={team.name} editable={!archived} />
    </li>
  );
}

function RenameTeam({ team }: { team: Team }) {
  const { accountId } = useAccount();
  const rename = useMutation(api.teams.teams.rename);
  const id = useId();
  const [name, setName] = useState(team.name);
  const { submit, pending, fieldError, general } = useFormSubmit(["name"], async () => {
    await rename({ accountId, teamId: team.teamId, name });
  });
  return (
    <form className="row teams-inline" onSubmit={submit} data-testid="team-rename-form">
      <label htmlFor={`${id}-name`} className="visually-hidden">
        Name of {team.name}
      </label>
      <input
        id={`${id}-name`}
        required
        maxLength={60}
        value={name}
        onChange={(e) => setName(e.target.value)}
        data-testid="team-rename-name"
        {...invalidProps(`${id}-error`, "name", fieldError)}
      />
      <button type="submit" className="button small secondary" disabled={pending || name.trim() === team.name} data-testid="team-rename-submit">
        Rename
      </button>
      <FieldMessage id={`${id}-error`} field="name" error={fieldError} />
      {general !== null && (
        <span className="error small" role="alert">
          {general}
        </span>
      )}
    </form>
  );
}

function ArchiveTeam({ team }: { team: Team }) {
  const { accountId } = useAccount();
  const archive = useMutation(api.teams.teams.archive);
  const { run, pending, error } = useRun(archive);
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <button type="button" className="button small ghost" onClick={() => setConfirming(true)} data-testid="team-archive">
        Archive…
      </button>
    );
  }
  return (
    <div className="row teams-inline" role="group" aria-label={`Archive ${team.name}`}>
      <span className="small">Its members lose its knowledge, agents and budget now.</span>
      <button
        type="button"
        className="button small primary"
        disabled={pending}
        onClick={() => void run({ accountId, teamId: team.teamId })}
        data-testid="team-archive-confirm"
      >
        Archive {team.name}
      </button>
      <button type="button" className="button small ghost" onClick={() => setConfirming(false)}>
        Cancel
      </button>
      {error !== null && (
        <span className="error small" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** An archived team comes back with its members, knowledge, budget and agents; refused while an active team has its name. */
function RestoreTeam({ team }: { team: Team }) {
  const { accountId } = useAccount();
  const restore = useMutation(api.teams.teams.restore);
  const { run, pending, error } = useRun(restore);
  return (
    <div className="row teams-inline">
      <button type="button" className="button small secondary" disabled={pending} onClick={() => void run({ accountId, teamId: team.teamId })} data-testid="team-restore">
        {pending ? "Restoring…" : "Restore"}
      </button>
      {error !== null && (
        <span className="error small" role="alert" data-testid="team-restore-error">
          {error}
        </span>
      )}
    </div>
  );
}

function TeamMembers({ teamId, teamName, editable }: { teamId: Id<"teams">; teamName: string; editable: boolean }) {
  const { accountId } = useAccount();
  const { results, status, loadMore } = usePaginatedQuery(api.teams.teams.members, { accountId, teamId }, { initialNumItems: MEMBERS_PAGE });
  const setRole = useMutation(api.teams.teams.setMemberRole);
  const remove = useMutation(api.teams.teams.removeMember);
  const { run, pending, error } = useRun(async (change: () => Promise<null>) => await change());
  return (
    <div className="team-members" data-testid="team-members">
      {status === "LoadingFirstPage" ? (
        <p className="muted small" role="status">
          Loading members…
        </p>
      ) : results.length === 0 ? (
        <p className="muted small" data-testid="team-members-empty">
          No members yet.
        </p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Members of {teamName}</caption>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Team role</th>
              {editable && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {results.map((m) => (
              <tr key={m.userId} data-testid="team-member-row" data-user-id={m.userId} data-role={m.role}>
                <td>
                  {m.name ?? "(no name)"}
                  {m.email !== null && <div className="muted small">{m.email}</div>}
                </td>
                <td>
                  {editable ? (
                    <select
                      aria-label={`Team role of ${m.name ?? m.email ?? "member"}`}
                      value={m.role}
                      disabled={pending}
                      onChange={(e) => void run(() => setRole({ accountId, teamId, userId: m.userId, role: e.target.value as TeamRole }))}
                      data-testid="team-member-role"
                    >
                      <option value="member">{ROLE_WORDS.member}</option>
                      <option value="lead">{ROLE_WORDS.lead}</option>
                    </select>
                  ) : (
                    ROLE_WORDS[m.role]
                  )}
                </td>
                {editable && (
                  <td>
                    <button
                      type="button"
                      className="button small ghost"
                      disabled={pending}
                      onClick={() => void run(() => remove({ accountId, teamId, userId: m.userId }))}
                      data-testid="team-member-remove"
                    >
                      Remove
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error !== null && (
        <p className="error small" role="alert" data-testid="team-member-error">
          {error}
        </p>
      )}
      <LoadMore status={status} onLoadMore={() => loadMore(MEMBERS_PAGE)} testId="team-members-load-more" label="More members" small />
      {editable && <AddMember teamId={teamId} present={new Set(results.map((m) => m.userId))} />}
    </div>
  );
}

function AddMember({ teamId, present }: { teamId: Id<"teams">; present: ReadonlySet<Id<"userProfiles">> }) {
  const { accountId } = useAccount();
  const people = useQuery(api.tenancy.accounts.listMembers, { accountId, paginationOpts: { numItems: ACCOUNT_MEMBERS_SHOWN, cursor: null } });
  const add = useMutation(api.teams.teams.addMember);
  const id = useId();
  const [userId, setUserId] = useState("");
  const [role, setRole] = useState<TeamRole>("member");
  const candidates = (people?.page ?? []).filter((p) => p.status === "active" && !present.has(p.userId));
  const { submit, pending, fieldError, general } = useFormSubmit(["userId"], async () => {
    await add({ accountId, teamId, userId: userId as Id<"userProfiles">, role });
    setUserId("");
  });
  if (people !== undefined && candidates.length === 0) {
    return <p className="muted small">Everyone in the account is in this team.</p>;
  }
  return (
    <form className="row teams-inline" onSubmit={submit} data-testid="team-add-member-form">
      <label htmlFor={`${id}-user`} className="small">
        Add
      </label>
      <select id={`${id}-user`} required value={userId} onChange={(e) => setUserId(e.target.value)} data-testid="team-add-member-user" {...invalidProps(`${id}-error`, "userId", fieldError)}>
        <option value="">Choose a member…</option>
        {candidates.map((p) => (
          <option key={p.userId} value={p.userId}>
            {p.name ?? p.email ?? p.userId}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-role`} className="small">
        as
      </label>
      <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as TeamRole)} data-testid="team-add-member-role">
        <option value="member">{ROLE_WORDS.member}</option>
        <option value="lead">{ROLE_WORDS.lead}</option>
      </select>
      <button type="submit" className="button small primary" disabled={pending || userId === ""} data-testid="team-add-member-submit">
        Add to team
      </button>
      <FieldMessage id={`${id}-error`} field="userId" error={fieldError} />
      {general !== null && (
        <span className="error small" role="alert">
          {general}
        </span>
      )}
    </form>
  );
}
