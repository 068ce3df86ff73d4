import { Component, type ErrorInfo, type ReactNode } from "react";
import { errorText } from "../lib/errors";

type Props = { children: ReactNode; fallback: (message: string, reset: () => void) => ReactNode };
type State = { error: unknown; hasError: boolean };

/** Shows a query's error (e.g. a thread that is not yours) in words instead of a blank page. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, hasError: false };

  static getDerivedStateFromError(error: unknown): State {
    return { error, hasError: true };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error("UI error", error, info.componentStack);
  }

  reset = () => this.setState({ error: null, hasError: false });

  override render() {
    if (this.state.hasError) return this.props.fallback(errorText(this.state.error), this.reset);
    return this.props.children;
  }
}
