/** "How to call the API": the deployment's HTTP origin, a curl example, the OpenAPI document. */
import { useState } from "react";
import { config } from "../config";
import { useAgents } from "../chat/useAgents";
import "./settings.css";

export function ApiHowTo() {
  const origin = config.convexSiteUrl;
  const agents = useAgents();
  const slug = agents?.find((a) => a.status === "active")?.slug ?? agents?.[0]?.slug ?? "assistant";
  return (
    <section aria-labelledby="api-howto-heading" data-testid="api-howto">
      <h2 id="api-howto-heading">How to call the API</h2>
      {origin === undefined ? (
        <p className="small" data-testid="api-origin-missing">
          This app does not know the deployment's HTTP address. It is the <code>.convex.site</code> twin of your <code>.convex.cloud</code> URL; build the app
          with <code>VITE_CONVEX_SITE_URL</code> set to it to see it here.
        </p>
      ) : (
        <Examples origin={origin} slug={slug} />
      )}
    </section>
  );
}

function Examples({ origin, slug }: { origin: string; slug: string }) {
  const curl = [
    "export HARNESS_API_KEY=thk_...   # a key created above",
    "",
    "# The account's agents and tools (any key)",
    `curl -H "Authorization: Bearer $HARNESS_API_KEY" ${origin}/v1/capabilities`,
    "",
    `# A message to ${slug} (a read and write key); 200 with the answer, or 202 and a poll_url`,
    `curl -X POST ${origin}/v1/channels/${slug}/messages \\`,
    `  -H "Authorization: Bearer $HARNESS_API_KEY" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '{"text": "Hello"}'`,
  ].join("\n");
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(curl);
      setCopied("Copied.");
    } catch {
      setCopied("The browser did not allow copying: select the text and copy it yourself.");
    }
  };
  return (
    <div className="stack">
      <p className="small">
        Requests go to{" "}
        <code className="api-origin" data-testid="api-origin">
          {origin}
        </code>{" "}
        with <code>Authorization: Bearer &lt;key&gt;</code>. Answers are JSON: <code>{"{ data, meta }"}</code>, or <code>{"{ error: { code, message } }"}</code>{" "}
        with the HTTP status. The API is for servers: browsers are refused (no CORS).
      </p>
      <div className="row">
        <a href={`${origin}/v1/openapi.json`} target="_blank" rel="noreferrer" data-testid="api-openapi-link">
          The OpenAPI document (/v1/openapi.json)
        </a>
        <button type="button" className="button secondary small" onClick={() => void copy()} data-testid="api-curl-copy">
          Copy the examples
        </button>
        {copied !== null && (
          <span className="small" role="status">
            {copied}
          </span>
        )}
      </div>
      <pre className="api-curl" tabIndex={0} aria-label="curl examples" data-testid="api-curl">
        {curl}
      </pre>
    </div>
  );
}
