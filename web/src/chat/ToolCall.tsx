import type { UIMessage } from "@convex-dev/agent/react";
import "./thread.css";

type Part = UIMessage["parts"][number];
export type ToolPart = Extract<Part, { toolCallId: string }>;

export function isToolPart(part: Part): part is ToolPart {
  return part.type.startsWith("tool-") || part.type === "dynamic-tool";
}

/** The tool's name (`tool-current_time` → `current_time`). */
export function toolNameOf(part: ToolPart): string {
  return part.type === "dynamic-tool" ? (part as { toolName: string }).toolName : part.type.slice("tool-".length);
}

const STATE_WORDS: Record<string, string> = {
  "input-streaming": "preparing…",
  "input-available": "running…",
  "approval-requested": "waiting for approval",
  "approval-responded": "running…",
  "output-available": "done",
  "output-error": "failed",
  "output-denied": "denied",
};

function pretty(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

/** A tool call inside an assistant message: name and state in one line, input and result when opened. */
export function ToolCall({ part, awaitingApproval = false }: { part: ToolPart; awaitingApproval?: boolean }) {
  const name = toolNameOf(part);
  // The harness parks a call needing approval before it runs: say so instead of "running".
  const state: string = awaitingApproval && part.state === "input-available" ? "approval-requested" : part.state;
  const record = part as { input?: unknown; output?: unknown; errorText?: string };
  const failed = state === "output-error" || state === "output-denied";
  return (
    <details className={`tool-call${failed ? " failed" : ""}`} data-testid="tool-call" data-tool-name={name} data-state={state}>
      <summary>
        <span className="tool-label">
          Used tool <code>{name}</code>
        </span>
        <span className={`chip tool-state ${state}`} data-testid="tool-call-state">
          {STATE_WORDS[state] ?? state}
        </span>
      </summary>
      <div className="tool-body">
        <div>
          <h4>Input</h4>
          <pre data-testid="tool-call-input">{pretty(record.input) || "(none)"}</pre>
        </div>
        {record.output !== undefined && (
          <div>
            <h4>Result</h4>
            <pre data-testid="tool-call-output">{pretty(record.output)}</pre>
          </div>
        )}
        {record.errorText !== undefined && (
          <p className="error" data-testid="tool-call-error">
            {record.errorText}
          </p>
        )}
      </div>
    </details>
  );
}
