import type { ReactNode } from "react";
import { ErrorBoundary } from "./ErrorBoundary";

/** A page whose queries may fail: the failure in words, and a way to try again. */
export function PageErrorBoundary({ children, what }: { children: ReactNode; what: string }) {
  return (
    <ErrorBoundary
      fallback={(message, reset) => (
        <div role="alert" className="pad" data-testid="page-error">
          <p className="error">
            Could not load {what}: {message}
          </p>
          <button type="button" className="button secondary" onClick={reset}>
            Try again
          </button>
        </div>
      )}
    >
      {children}
    </ErrorBoundary>
  );
}
