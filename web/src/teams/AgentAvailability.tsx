/**
 * An agent's "Available to" panel (account admins, on the agent page): the
 * whole account, or only some teams and people. Everyone else no longer sees
 * the agent, nor can start or continue conversations with it, from any surface.
 */
import { useId, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useMutation, useQuery, type FunctionReturnType } from "../lib/convex";
import { useFormSubmit } from "../lib/useFormSubmit";
import { useAccount } from "../shell/AccountProvider";
import "./teams.css";

const PEOPLE_SHOWN = 100;

function toggled<T>(list: readonly T[], item: T, on: boolean): T[] {
  return on ? [...list, item] : list.filter((x) => x !== item);
}

/** A fieldset of checkboxes: which of `options` are `chosen`. */
function Choices<Id extends string>(props: {
  legend: string;
  empty: string;
  options: { id: Id; label: string }[];
  chosen: Id[];
  onChange: (chosen: Id[]) => void;
  disabled: boolean;
  testId: string;
}) {
  const { legend, empty, options, chosen, onChange, disabled, testId } = props;
  return (
    <fieldset>
      <legend className="small">{legend}</legend>
      {options.length === 0 ? (
        <p className="muted small">{empty}</p>
      ) : (
        <div className="choices">
          {options.map((option) => (
            <label key={option.id}>
              <input
                type="checkbox"
                checked={chosen.includes(option.id)}
                disabled={disabled}
                onChange={(e) => onChange(toggled(chosen, option.id, e.target.checked))}
                data-testid={testId}
                data-label={option.label}
              />{" "}
              {option.label}
            </label>
          ))}
        </div>
      )}
    </fieldset>
  );
}

type Audience = FunctionReturnType<typeof api.teams.availability.availability>;

export function AgentAvailability({ agentId, editable }: { agentId: Id<"agents">; editable: boolean }) {
  const { accountId } = useAccount();
  const current = useQuery(api.teams.availability.availability, { accountId, agentId });
  const teams = useQuery(api.teams.teams.list, { accountId });
  const people = useQuery(api.tenancy.accounts.listMembers, { accountId, paginationOpts: { numItems: PEOPLE_SHOWN, cursor: null } });
  // Kept here: saving changes `current`, which starts the form again.
  const [saved, setSaved] = useState(false);
  if (current === undefined || teams === undefined || people === undefined) {
    return (
      <p className="muted small" role="status">
        Loading who may use this agent…
      </p>
    );
  }
  // Keyed by what is saved: the form starts again from the server's state whenever it changes.
  return (
    <AvailabilityForm
      key={JSON.stringify(current)}
      agentId={agentId}
      editable={editable}
      initial={current}
      teams={teams}
      people={people.page.filter((p) => p.status === "active")}
      saved={saved}
      setSaved={setSaved}
    />
  );
}

function AvailabilityForm({
  agentId,
  editable,
  initial,
  teams,
  people,
  saved,
  setSaved,
}: {
  agentId: Id<"agents">;
  editable: boolean;
  initial: Audience;
  saved: boolean;
  setSaved: (saved: boolean) => void;
  teams: FunctionReturnType<typeof api.teams.teams.list>;
  people: FunctionReturnType<typeof api.tenancy.accounts.listMembers>["page"];
}) {
  const { accountId } = useAccount();
  const save = useMutation(api.teams.availability.setAvailability);
  const id = useId();
  const [everyone, setEveryone] = useState(initial.everyone);
  const [teamIds, setTeamIds] = useState<Id<"teams">[]>(initial.teams.map((team) => team.teamId));
  const [userIds, setUserIds] = useState<Id<"userProfiles">[]>(initial.users.map((user) => user.userId));
  const { submit, pending, general, fieldError } = useFormSubmit([], async () => {
    setSaved(false);
    await save({ accountId, agentId, availableTo: everyone ? null : { teamIds, userIds } });
    setSaved(true);
  });
  return (
    <section aria-labelledby={`${id}-h`} className="card section-card agent-availability" data-testid="agent-availability">
      <h2 id={`${id}-h`}>Available to</h2>
      <form onSubmit={submit}>
        <div className="choices" role="radiogroup" aria-label="Who may use this agent">
          <label>
            <input type="radio" name={`${id}-who`} checked={everyone} disabled={!editable} onChange={() => setEveryone(true)} data-testid="availability-everyone" />{" "}
            Everyone in the account
          </label>
          <label>
            <input type="radio" name={`${id}-who`} checked={!everyone} disabled={!editable} onChange={() => setEveryone(false)} data-testid="availability-some" /> Only
            these teams and people
          </label>
        </div>
        {!everyone && (
          <>
            <Choices
              legend="Teams"
              empty="No teams yet: create them in Settings → Teams."
              options={teams.map((team) => ({ id: team.teamId, label: team.name }))}
              chosen={teamIds}
              onChange={setTeamIds}
              disabled={!editable}
              testId="availability-team"
            />
            <Choices
              legend="People"
              empty="No members."
              options={people.map((person) => ({ id: person.userId, label: person.name ?? person.email ?? person.userId }))}
              chosen={userIds}
              onChange={setUserIds}
              disabled={!editable}
              testId="availability-person"
            />
            <p className="muted small">Account admins always see and use every agent.</p>
          </>
        )}
        {editable && (
          <div className="row">
            <button type="submit" className="button primary" disabled={pending} data-testid="availability-save">
              {pending ? "Saving…" : "Save"}
            </button>
            {saved && (
              <span className="small" role="status" data-testid="availability-saved">
                Saved.
              </span>
            )}
          </div>
        )}
        {(general ?? fieldError?.message ?? null) !== null && (
          <p className="error small" role="alert" data-testid="availability-error">
            {general ?? fieldError?.message}
          </p>
        )}
      </form>
    </section>
  );
}
