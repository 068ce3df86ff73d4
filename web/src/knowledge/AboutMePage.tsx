import { useEffect, useId, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useAction, useMutation, useQuery, type FunctionReturnType } from "../lib/convex";
import { fullTime, timeAgo } from "../lib/time";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import { PageErrorBoundary } from "../shell/PageError";
import "./knowledge.css";

type Overview = FunctionReturnType<typeof api.knowledge.aboutMe.overview>;
type Group = Overview["groups"][number];
type Fact = Group["facts"][number];

/**
 * /knowledge/about-me — what the agents know about you: every fact held in
 * your scope (admins: also the account's and agents'), where it came from,
 * what changed; correct or forget one (immediate for retrieval, audited);
 * your locale; admins choose which agents remember from conversations.
 */
export function AboutMePage() {
  useEffect(() => {
    document.title = "What the agents know about you · Harness";
  }, []);
  return (
    <main className="page" id="main" data-testid="about-me-page">
      <h1>What the agents know about you</h1>
      <p className="muted small">
        Facts agents remember from your conversations and those you or an admin added. Agents see the relevant ones with every message. Correct or forget any of
        them: it takes effect at once. <Link to="/knowledge">All knowledge</Link>
      </p>
      <PageErrorBoundary what="your facts">
        <AboutMe />
      </PageErrorBoundary>
    </main>
  );
}

function AboutMe() {
  const { accountId } = useAccount();
  const overview = useQuery(api.knowledge.aboutMe.overview, { accountId });
  if (overview === undefined) return <p className="muted" role="status">Loading…</p>;
  return (
    <>
      {overview.groups.map((group) => (
        <FactGroup key={group.label} group={group} />
      ))}
      <LocaleForm locale={overview.locale} />
      <Remembering />
    </>
  );
}

function FactGroup({ group }: { group: Group }) {
  const id = useId();
  return (
    <section aria-labelledby={`${id}-h`} data-testid="about-group" data-scope={group.scope.kind}>
      <h2 id={`${id}-h`}>{group.label}</h2>
      {group.facts.length === 0 ? (
        <p className="muted small" data-testid="about-empty">
          Nothing is remembered here.
        </p>
      ) : (
        <ul className="fact-list">
          {group.facts.map((fact) => (
            <FactRow key={fact.entryId} fact={fact} scope={group.scope} />
          ))}
        </ul>
      )}
      {group.history.length > 0 && (
        <details className="small" data-testid="about-history">
          <summary>What changed ({group.history.length})</summary>
          <ul>
            {group.history.map((row, index) => (
              <li key={index} data-testid="about-history-row" data-change={row.change}>
                <s>{row.text}</s> — {row.change}
                {row.replacedBy !== undefined && <> → {row.replacedBy}</>} <span title={fullTime(row.at)}>{timeAgo(row.at)}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

function FactRow({ fact, scope }: { fact: Fact; scope: Group["scope"] }) {
  const { accountId } = useAccount();
  const remove = useRun(useMutation(api.knowledge.browse.removeFact));
  const correct = useRun(useAction(api.knowledge.aboutMe.correctFact));
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(fact.text);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if ((await correct.run({ accountId, scope, entryId: fact.entryId, text })) !== undefined) setEditing(false);
  };
  return (
    <li className="fact" data-testid="about-fact" data-entry-id={fact.entryId}>
      {editing ? (
        <form className="row" onSubmit={(e) => void onSubmit(e)}>
          <label className="field">
            <span className="visually-hidden">Corrected fact</span>
            <input value={text} maxLength={1000} onChange={(e) => setText(e.target.value)} data-testid="about-fact-input" />
          </label>
          <button type="submit" className="button small primary" disabled={correct.pending || text.trim() === ""} data-testid="about-fact-save">
            {correct.pending ? "Saving…" : "Save"}
          </button>
          <button type="button" className="button small ghost" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <span data-testid="about-fact-text">{fact.text}</span>
      )}
      {fact.category !== "general" && <span className="chip">{fact.category}</span>}
      <span className="muted small" data-testid="about-fact-source">
        {" "}
        · {fact.messageId !== undefined ? "read from your message in a conversation" : "added by hand or with the memory tool"}
      </span>
      {!editing && (
        <>
          <button type="button" className="button small ghost" data-testid="about-fact-correct" onClick={() => setEditing(true)}>
            Correct
          </button>
          <button
            type="button"
            className="button small ghost"
            data-testid="about-fact-forget"
            aria-label={`Forget: ${fact.text}`}
            disabled={remove.pending}
            onClick={() => void remove.run({ accountId, scope, entryId: fact.entryId })}
          >
            {remove.pending ? "Forgetting…" : "Forget"}
          </button>
        </>
      )}
      {(remove.error ?? correct.error) !== null && (
        <p className="error small" role="alert" data-testid="about-fact-error">
          {remove.error ?? correct.error}
        </p>
      )}
    </li>
  );
}

function LocaleForm({ locale }: { locale: string | null }) {
  const { accountId } = useAccount();
  const setLocale = useRun(useMutation(api.knowledge.aboutMe.setLocale));
  const [value, setValue] = useState(locale ?? "");
  const id = useId();
  return (
    <section aria-labelledby={`${id}-h`} data-testid="about-locale">
      <h2 id={`${id}-h`}>Your language and formats</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void setLocale.run({ accountId, locale: value.trim() === "" ? null : value.trim() });
        }}
      >
        <label className="field">
          <span>Locale (e.g. en-GB, pt-PT, de-CH): agents reply in its language and write dates and numbers its way</span>
          <input value={value} maxLength={35} placeholder="not set" onChange={(e) => setValue(e.target.value)} data-testid="about-locale-input" />
        </label>
        <button type="submit" className="button secondary" disabled={setLocale.pending} data-testid="about-locale-save">
          Save
        </button>
      </form>
      {setLocale.error !== null && (
        <p className="error small" role="alert" data-testid="about-locale-error">
          {setLocale.error}
        </p>
      )}
    </section>
  );
}

/** Admins: which agents remember facts from conversations. */
function Remembering() {
  const { accountId } = useAccount();
  const scopes = useQuery(api.knowledge.browse.scopes, { accountId });
  const agents = (scopes ?? []).filter((scope) => scope.kind === "agent" && scope.canWrite);
  if (agents.length === 0) return null;
  return (
    <section data-testid="about-remembering">
      <h2>Remembering from conversations</h2>
      <p className="muted small">After each turn, an agent with this on reads the user's message for durable facts (one small extra model call, charged to budgets). Health, credential and payment details are kept only when the user asks.</p>
      <ul>
        {agents.map((scope) => (scope.scope.kind === "agent" ? <AgentSwitch key={scope.scope.agentId} agentId={scope.scope.agentId} name={scope.label} /> : null))}
      </ul>
    </section>
  );
}

function AgentSwitch({ agentId, name }: { agentId: Id<"agents">; name: string }) {
  const { accountId } = useAccount();
  const setting = useQuery(api.knowledge.factSettings.get, { accountId, agentId });
  const set = useRun(useMutation(api.knowledge.factSettings.set));
  return (
    <li>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={setting?.extractFacts ?? false}
          disabled={setting === undefined || set.pending}
          onChange={(e) => void set.run({ accountId, agentId, extractFacts: e.target.checked })}
          data-testid="about-extract-toggle"
          data-agent={name}
        />
        {name}
      </label>
      {set.error !== null && <span className="error small">{set.error}</span>}
    </li>
  );
}
