import { useState } from "react";

/** JSON shown indented; anything else (plain text, a payload cut at its bound) as it is. */
export function prettyPayload(text: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return text;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return text;
  }
}

/**
 * A step's input and output (redacted and bounded when the step was written),
 * collapsed until asked for. A step that kept neither shows nothing.
 */
export function StepIo({ input, output }: { input?: string; output?: string }) {
  const [open, setOpen] = useState(false);
  if (input === undefined && output === undefined) return null;
  return (
    <div className="step-io" data-testid="step-io">
      <button type="button" className="button ghost small" aria-expanded={open} onClick={() => setOpen((o) => !o)} data-testid="step-io-toggle">
        {open ? "Hide input / output" : "Show input / output"}
      </button>
      {open && (
        <>
          {input !== undefined && <Payload label="Input" text={input} testId="step-input" />}
          {output !== undefined && <Payload label="Output" text={output} testId="step-output" />}
        </>
      )}
    </div>
  );
}

function Payload({ label, text, testId }: { label: string; text: string; testId: string }) {
  return (
    <figure className="step-payload">
      <figcaption className="small muted">{label}</figcaption>
      <pre data-testid={testId}>{prettyPayload(text)}</pre>
    </figure>
  );
}
