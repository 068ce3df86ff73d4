import type { ReactNode } from "react";
import "./shell.css";

/** A centred message for loading and blocking states. */
export function FullPageStatus({ children, busy = true }: { children: ReactNode; busy?: boolean }) {
  return (
    <div className="full-page-status" role="status" aria-busy={busy} data-testid="page-status">
      {busy && <span className="spinner" aria-hidden="true" />}
      <div>{children}</div>
    </div>
  );
}
