/** The template gallery: what each template makes, and a form to instantiate it under a free slug. */
import { useId, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useMutation, useQuery, type FunctionReturnType } from "../lib/convex";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import "./agents.css";

type Template = FunctionReturnType<typeof api.agents.templates.list>[number];
type Created = FunctionReturnType<typeof api.agents.templates.instantiate>;

/** `slug`, or the first of `slug-2`, `slug-3`… no agent has (archived agents keep theirs). */
function freeSlug(slug: string, taken: ReadonlySet<string>): string {
  if (!taken.has(slug)) return slug;
  for (let n = 2; ; n++) if (!taken.has(`${slug}-${n}`)) return `${slug}-${n}`;
}

export function Templates() {
  const { accountId } = useAccount();
  const templates = useQuery(api.agents.templates.list, { accountId });
  const agents = useQuery(api.agents.agents.list, { accountId, includeArchived: true });
  const taken = new Set(agents?.map((a) => a.slug));
  const nameOf = (slug: string) => templates?.find((t) => t.slug === slug)?.name ?? slug;
  return (
    <section aria-labelledby="templates-heading" data-testid="templates">
      <h2 id="templates-heading">Start from a template</h2>
      {templates === undefined ? (
        <p className="muted" role="status" data-testid="templates-loading">
          Loading templates…
        </p>
      ) : templates.length === 0 ? (
        <p className="muted" data-testid="templates-empty">
          There are no templates on this deployment.
        </p>
      ) : (
        <ul className="template-grid">
          {templates.map((t) => (
            <TemplateCard key={t.slug} template={t} suggestedSlug={agents === undefined ? null : freeSlug(t.slug, taken)} nameOf={nameOf} />
          ))}
        </ul>
      )}
    </section>
  );
}

function TemplateCard({ template, suggestedSlug, nameOf }: { template: Template; suggestedSlug: string | null; nameOf: (slug: string) => string }) {
  const { accountId } = useAccount();
  const instantiate = useMutation(api.agents.templates.instantiate);
  const id = useId();
  // The suggestion follows the agents list until the person types a slug of their own.
  const [typedSlug, setTypedSlug] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<Created | null>(null);
  const slug = typedSlug ?? suggestedSlug ?? "";
  const { run, pending, error } = useRun(() =>
    instantiate({ accountId, templateSlug: template.slug, ...(slug !== "" ? { slug } : {}), ...(name.trim() !== "" ? { name: name.trim() } : {}) }),
  );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    const result = await run();
    if (result !== undefined) {
      setCreated(result);
      setTypedSlug(null);
      setName("");
    }
  };
  return (
    <li className="card template-card" data-testid="template-card" data-template-slug={template.slug}>
      <h3 id={`${id}-h`}>
        <span className="swatch small-swatch" aria-hidden="true" style={template.accentColor ? { background: template.accentColor } : undefined} />
        {template.name}
      </h3>
      <p className="small">{template.description}</p>
      <p className="muted small">
        Capability {template.capabilityLevel}
        {template.tools.length > 0 && <> · tools: {template.tools.map((t) => t.slug).join(", ")}</>}
        {template.delegations.length > 0 && <> · delegates to {template.delegations.map((d) => nameOf(d.templateSlug)).join(" and ")}</>}
      </p>
      <form className="row template-form" aria-labelledby={`${id}-h`} onSubmit={(e) => void submit(e)}>
        <label className="field">
          <span className="small">Slug</span>
          <input value={slug} onChange={(e) => setTypedSlug(e.target.value)} data-testid="template-slug" required />
        </label>
        <label className="field">
          <span className="small">Name</span>
          <input value={name} placeholder={template.name} onChange={(e) => setName(e.target.value)} data-testid="template-name" />
        </label>
        <button type="submit" className="button secondary" disabled={pending || slug === ""} data-testid="template-instantiate">
          {pending ? "Creating…" : "Use template"}
        </button>
      </form>
      {template.delegations.length > 0 && (
        <p className="muted small">Agents it delegates to are reused when this account already has them from the same template, otherwise created too.</p>
      )}
      {error && (
        <p className="error small" role="alert" data-testid="template-error">
          Could not use the template: {error}
        </p>
      )}
      {created && (
        <p className="small" role="status" data-testid="template-created">
          Created{" "}
          {created.created.map((a, i) => (
            <span key={a.agentId}>
              {i > 0 && ", "}
              <Link to={`/agents/${a.agentId}`} data-testid="template-created-agent" data-slug={a.slug}>
                {a.name}
              </Link>
            </span>
          ))}
          .
        </p>
      )}
    </li>
  );
}
