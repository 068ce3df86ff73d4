/**
 * /agents/import — paste or open an agent manifest and import it as a new
 * agent. A problem is shown next to the line of the field it is about: JSON
 * syntax is checked here first; the importer's refusals carry the field's
 * path as their `field` ("tools[1].permission"), which is found in the text.
 */
import { useId, useRef, useState, type ChangeEvent, type FormEvent } from "react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useMutation, useQuery, type FunctionReturnType } from "../lib/convex";
import { errorCodeOf, errorText, fieldOf } from "../lib/errors";
import { useAccount } from "../shell/AccountProvider";
import { AgentsTabs, useCanBuild } from "./common";
import { lineOfPath, locateJson } from "./jsonLocations";
import "./agents.css";

/** What the importer's messages start with; redundant next to the manifest, so not repeated there. */
const MANIFEST_PREFIX = "Invalid agent manifest: ";
const MAX_FILE_BYTES = 64_000;

/** A problem pinned to a line of the text it was found in. */
type Problem = { field: string; line: number; message: string; text: string };
type Imported = FunctionReturnType<typeof api.agents.manifests.importManifest>;

export function ImportPage() {
  const canBuild = useCanBuild();
  return (
    <main className="page wide" id="main" data-testid="manifest-import-page">
      <h1>Import an agent</h1>
      <AgentsTabs />
      {canBuild ? (
        <ImportForm />
      ) : (
        <p className="muted" data-testid="agents-read-only">
          Only account admins can import agents.
        </p>
      )}
    </main>
  );
}

function ImportForm() {
  const { accountId } = useAccount();
  const importManifest = useMutation(api.agents.manifests.importManifest);
  const agents = useQuery(api.agents.agents.list, { accountId, includeArchived: true });
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [imported, setImported] = useState<Imported | null>(null);
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const id = useId();

  const openFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = "";
    if (!file) return;
    setProblem(null);
    if (file.size > MAX_FILE_BYTES) {
      setError(`${file.name} is larger than a manifest can be (${MAX_FILE_BYTES / 1000} kB).`);
      return;
    }
    try {
      setText(await file.text());
      setError(null);
    } catch {
      setError(`Could not read ${file.name}.`);
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    setError(null);
    setImported(null);
    const locations = locateJson(text);
    if (locations.syntaxError) {
      const { line, column, message } = locations.syntaxError;
      setProblem({ field: "", line, message: `This is not valid JSON: at column ${column}, ${message}.`, text });
      return;
    }
    // A slug already in the account is the usual problem with a re-import: say so at the slug, before sending.
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // The importer says what is wrong with it.
    }
    const slug = typeof parsed === "object" && parsed !== null && "slug" in parsed ? parsed.slug : undefined;
    if (typeof slug === "string" && agents?.some((a) => a.slug === slug)) {
      setProblem({ field: "slug", line: lineOfPath(locations, "slug"), message: `An agent with the slug "${slug}" already exists in this account: change the slug to import a copy.`, text });
      return;
    }
    setPending(true);
    try {
      setImported(await importManifest({ accountId, manifest: text }));
    } catch (caught) {
      // A refusal naming a field is shown at its line; any other refusal of the manifest at its first line.
      const field = fieldOf(caught);
      const message = errorText(caught);
      const words = message.startsWith(MANIFEST_PREFIX) ? message.slice(MANIFEST_PREFIX.length) : message;
      if (field !== null) setProblem({ field, line: lineOfPath(locations, field), message: words, text });
      else if (errorCodeOf(caught) === "bad_request") setProblem({ field: "", line: 1, message: words, text });
      else setError(message);
    } finally {
      setPending(false);
    }
  };

  /** Put the cursor on the problem's line in the editor. */
  const showLine = (line: number) => {
    const area = textareaRef.current;
    if (!area) return;
    const lines = area.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0);
    area.focus();
    area.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  };

  return (
    <section aria-labelledby={`${id}-h`} data-testid="manifest-import">
      <h2 id={`${id}-h`} className="visually-hidden">
        Manifest
      </h2>
      <p className="muted small">
        An agent manifest is what <em>Export manifest</em> on an agent's page gives: its definition and tools as JSON. Importing it creates a new agent;
        delegations in it (tools named <code>delegate_…</code>) are checked for cycles and depth like any other.
      </p>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <label className="field">
          <span>Manifest (JSON)</span>
          <textarea
            ref={textareaRef}
            className="manifest-input"
            rows={16}
            spellCheck={false}
            value={text}
            placeholder='{ "version": 1, "kind": "agent", "name": "…", "slug": "…", … }'
            data-testid="manifest-input"
            aria-invalid={problem !== null || undefined}
            aria-describedby={problem ? `${id}-problem` : undefined}
            onChange={(e) => setText(e.target.value)}
          />
        </label>
        <div className="row">
          <label className="button secondary file-button">
            Open a file…
            <input type="file" accept=".json,application/json" className="visually-hidden" data-testid="manifest-file" onChange={(e) => void openFile(e)} />
          </label>
          <button type="submit" className="button primary" disabled={pending || text.trim() === ""} data-testid="manifest-import-submit">
            {pending ? "Importing…" : "Import"}
          </button>
        </div>
      </form>
      {problem && <ProblemAtLine id={`${id}-problem`} problem={problem} onShow={() => showLine(problem.line)} stale={problem.text !== text} />}
      {error && (
        <p className="error" role="alert" data-testid="manifest-import-error">
          Could not import: {error}
        </p>
      )}
      {imported && (
        <p role="status" data-testid="manifest-imported">
          Imported{" "}
          <Link to={`/agents/${imported.agentId}`} data-testid="manifest-imported-link">
            {imported.name}
          </Link>{" "}
          ({imported.slug}).
        </p>
      )}
    </section>
  );
}

const CONTEXT_LINES = 2;

/** The lines around the problem, its line marked and the message right under it. */
function ProblemAtLine({ id, problem, onShow, stale }: { id: string; problem: Problem; onShow: () => void; stale: boolean }) {
  const lines = problem.text.split("\n");
  const first = Math.max(1, problem.line - CONTEXT_LINES);
  const last = Math.min(lines.length, problem.line + CONTEXT_LINES);
  const numbers = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  return (
    <div className="manifest-problem" id={id} role="alert" data-testid="manifest-error" data-field={problem.field} data-line={problem.line}>
      <p className="error">
        <strong>Problem at line {problem.line}</strong>
        {problem.field !== "" && <> ({problem.field})</>}:
      </p>
      <ol className="code-lines" start={first} aria-label="Where in the manifest">
        {numbers.map((n) => (
          <li key={n} value={n} className={n === problem.line ? "bad-line" : undefined} data-testid={n === problem.line ? "manifest-error-line" : undefined}>
            <code>{lines[n - 1] === "" ? " " : lines[n - 1]}</code>
            {n === problem.line && (
              <span className="line-message" data-testid="manifest-error-message">
                ← {problem.message}
              </span>
            )}
          </li>
        ))}
      </ol>
      <div className="row">
        <button type="button" className="button small secondary" data-testid="manifest-show-line" onClick={onShow}>
          Go to line {problem.line} in the editor
        </button>
        {stale && <span className="muted small">The text changed since; import again to re-check.</span>}
      </div>
    </div>
  );
}
