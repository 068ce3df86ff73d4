/**
 * What changed between an older version and the current one, field by field
 * (prompt, model, capability, tools): the run page links here to show what a
 * run ran with against what the agent is now.
 */
import type { FunctionReturnType } from "../lib/convex";
import type { api } from "../../../convex/_generated/api";

type Snapshot = FunctionReturnType<typeof api.agents.agents.versions>["page"][number];

const FIELDS: { label: string; text: (v: Snapshot) => string }[] = [
  { label: "Name", text: (v) => v.name },
  { label: "Description", text: (v) => v.description },
  { label: "Model", text: (v) => v.modelId ?? "the deployment's default" },
  { label: "Capability", text: (v) => v.capabilityLevel },
  { label: "Tools", text: (v) => v.tools.map((t) => `${t.toolSlug} (${t.permission}${t.needsApproval ? ", asks" : ""})`).join(", ") || "none" },
  { label: "Instructions", text: (v) => v.instructions },
];

export function VersionDiff({ from, to }: { from: Snapshot; to: Snapshot }) {
  const changed = FIELDS.filter((f) => f.text(from) !== f.text(to));
  if (changed.length === 0) return <p className="muted small">Same definition as the current version.</p>;
  return (
    <table className="version-diff" data-testid="version-diff">
      <caption className="muted small">
        Version {from.version} → current version {to.version}
      </caption>
      <tbody>
        {changed.map((f) => (
          <tr key={f.label} data-field={f.label}>
            <th scope="row">{f.label}</th>
            <td className="version-diff-before">
              <pre>{f.text(from)}</pre>
            </td>
            <td>
              <pre>{f.text(to)}</pre>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
