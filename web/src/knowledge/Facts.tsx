import { useId, useState, type FormEvent } from "react";
import { api } from "../../../convex/_generated/api";
import { useAction, useMutation, useQuery, type FunctionReturnType } from "../lib/convex";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import type { ScopeView } from "./scope";
import "./knowledge.css";

/** Facts remembered in the scope (by you, by agents' memory tool, or by admins), with add and forget. */
export function Facts({ scope }: { scope: ScopeView }) {
  const { accountId } = useAccount();
  const data = useQuery(api.knowledge.browse.facts, { accountId, scope: scope.scope });
  const id = useId();
  return (
    <section aria-labelledby={`${id}-h`} data-testid="facts">
      <h2 id={`${id}-h`}>Facts</h2>
      {data === undefined ? (
        <p className="muted" role="status" data-testid="facts-loading">
          Loading facts…
        </p>
      ) : data.facts.length === 0 ? (
        <p className="muted small" data-testid="facts-empty">
          No facts here yet. Agents remember what you tell them about yourself (the Assistant does by default) and what you ask them to remember (“remember that …”)
          {scope.canWrite ? "; or add one below" : ""}.
        </p>
      ) : (
        <ul className="fact-list" data-testid="facts-list">
          {data.facts.map((fact) => (
            <Fact key={fact.entryId} fact={fact} scope={scope} />
          ))}
          {data.truncated && <li className="muted small">Older facts are not listed; search finds them.</li>}
        </ul>
      )}
      {scope.canWrite && <AddFact scope={scope} />}
    </section>
  );
}

type FactView = FunctionReturnType<typeof api.knowledge.browse.facts>["facts"][number];

function Fact({ fact, scope }: { fact: FactView; scope: ScopeView }) {
  const { accountId } = useAccount();
  const remove = useRun(useMutation(api.knowledge.browse.removeFact));
  return (
    <li className="fact" data-testid="fact" data-entry-id={fact.entryId}>
      <span>{fact.text}</span>
      {fact.category !== "general" && <span className="chip">{fact.category}</span>}
      {fact.confidence < 1 && <span className="muted small"> · {Math.round(fact.confidence * 100)}% sure</span>}
      {scope.canWrite && (
        <button
          type="button"
          className="button small ghost"
          data-testid="fact-delete"
          aria-label={`Forget: ${fact.text}`}
          disabled={remove.pending}
          onClick={() => void remove.run({ accountId, scope: scope.scope, entryId: fact.entryId })}
        >
          {remove.pending ? "Forgetting…" : "Forget"}
        </button>
      )}
      {remove.error !== null && (
        <p className="error small" role="alert">
          Could not forget it: {remove.error}
        </p>
      )}
    </li>
  );
}

function AddFact({ scope }: { scope: ScopeView }) {
  const { accountId } = useAccount();
  const addFact = useAction(api.knowledge.browse.addFact);
  const [text, setText] = useState("");
  const { run, pending, error } = useRun(() => addFact({ accountId, scope: scope.scope, text }));
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if ((await run()) !== undefined) setText("");
  };
  return (
    <form className="row fact-form" onSubmit={(e) => void onSubmit(e)}>
      <label className="field">
        <span className="visually-hidden">A fact to remember</span>
        <input value={text} maxLength={1000} placeholder="e.g. The office wifi is called Harbour" onChange={(e) => setText(e.target.value)} data-testid="fact-input" />
      </label>
      <button type="submit" className="button secondary" disabled={pending || text.trim() === ""} data-testid="fact-add">
        {pending ? "Remembering…" : "Remember"}
      </button>
      {error !== null && (
        <p className="error small" role="alert" data-testid="fact-error">
          Could not remember it: {error}
        </p>
      )}
    </form>
  );
}
