/** Export an agent as a JSON manifest: shown, copied, or downloaded as `<slug>.agent.json`. */
import { useState } from "react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { errorText } from "../lib/errors";
import { useQueryResult } from "../lib/useQueryResult";
import { useAccount } from "../shell/AccountProvider";
import type { AgentDetail } from "./types";
import "./agents.css";

export function ManifestExport({ agent }: { agent: AgentDetail }) {
  const [open, setOpen] = useState(false);
  return (
    <section aria-labelledby="manifest-heading" data-testid="manifest-export">
      <h2 id="manifest-heading">Manifest</h2>
      <p className="muted small">
        The agent as JSON: its definition and tools, to keep in version control or to <Link to="/agents/import">import</Link> into another account.
      </p>
      {open ? (
        <ManifestView agent={agent} />
      ) : (
        <button type="button" className="button secondary" data-testid="manifest-export-open" onClick={() => setOpen(true)}>
          Export manifest
        </button>
      )}
    </section>
  );
}

function ManifestView({ agent }: { agent: AgentDetail }) {
  const { accountId } = useAccount();
  const { data, error } = useQueryResult(api.agents.manifests.exportManifest, { accountId, agentId: agent.agentId });
  const [copied, setCopied] = useState<string | null>(null);
  if (error !== null) {
    return (
      <p className="error" role="alert" data-testid="manifest-export-error">
        Could not export: {errorText(error)}
      </p>
    );
  }
  if (data === undefined) {
    return (
      <p className="muted" role="status" data-testid="manifest-export-loading">
        Preparing the manifest…
      </p>
    );
  }
  const text = `${JSON.stringify(data, null, 2)}\n`;
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `${agent.slug}.agent.json`;
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("Copied to the clipboard.");
    } catch {
      setCopied("The browser did not allow copying: select the text and copy it yourself.");
    }
  };
  return (
    <div className="stack">
      <div className="row">
        <button type="button" className="button secondary" data-testid="manifest-download" onClick={download}>
          Download {agent.slug}.agent.json
        </button>
        <button type="button" className="button secondary" data-testid="manifest-copy" onClick={() => void copy()}>
          Copy
        </button>
        {copied && (
          <span className="small" role="status" data-testid="manifest-copied">
            {copied}
          </span>
        )}
      </div>
      <pre className="manifest" tabIndex={0} aria-label={`Manifest of ${agent.name}`} data-testid="manifest-json">
        {text}
      </pre>
    </div>
  );
}
