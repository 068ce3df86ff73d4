/** Errors → words a user understands. */
import { isHarnessError, type ErrorCode } from "../../../convex/lib/errors";

export { isHarnessError };

/** What to show for an error thrown by a mutation, query or fetch. */
export function errorText(error: unknown): string {
  if (isHarnessError(error)) {
    const { code, message, retryAfterMs } = error.data;
    if (code === "rate_limited" && retryAfterMs !== undefined && retryAfterMs > 0) {
      return `${message} (try again in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s)`;
    }
    return message;
  }
  if (error instanceof TypeError && /fetch|network/i.test(error.message)) {
    return "Could not reach the server. Check that it is running and try again.";
  }
  // Anything else is redacted by the server ("Server Error", with a request id in its log).
  return "Something went wrong on the server. Please try again.";
}

/** The code of a harness error, if it is one. */
export function errorCodeOf(error: unknown): ErrorCode | undefined {
  return isHarnessError(error) ? error.data.code : undefined;
}

/** The field a refusal is about, as the server named it (`slug`, `rateLimit.requests`, `tools[0].permission`); null when it named none. */
export function fieldOf(error: unknown): string | null {
  return isHarnessError(error) && error.data.field !== undefined ? error.data.field : null;
}

/** An error to show at one field of a form (`field` as the server names it). */
export type FieldError = { field: string; message: string };

/** Split an error into the error of one of the form's `fields` (when it names one) and words for everything else. */
export function splitFieldError(error: unknown, fields: readonly string[]): { field: FieldError | null; general: string | null } {
  const field = fieldOf(error);
  if (field !== null && fields.includes(field)) return { field: { field, message: errorText(error) }, general: null };
  return { field: null, general: errorText(error) };
}

export type TurnError = { code: string; message: string };

/** A failed turn's error as a headline plus the backend's own detail. */
export function turnErrorWords(error: TurnError): { title: string; detail: string | null } {
  const detail = error.message.trim() === "" ? null : error.message;
  // A provider's refusal (bad key, unknown model, content filter, quota) carries the provider's own words.
  if (/^The (model )?provider/.test(error.message) && error.code !== "internal_error") {
    return { title: "The model provider refused this reply.", detail };
  }
  switch (error.code) {
    case "budget_exceeded":
      return { title: "This account's budget is used up, so the agent could not answer. Ask an account admin to raise the budget.", detail };
    case "rate_limited":
      return { title: "Slow down: too many requests right now. Wait a moment, then retry.", detail };
    case "policy_denied":
      return { title: "The agent is paused or is not allowed to do that.", detail };
    case "internal_error":
      return { title: "The model provider failed to answer.", detail: detail === null ? null : `Reason: ${detail}` };
    case "cancelled":
      return { title: "You cancelled this reply.", detail: null };
    case "not_found":
      return { title: "Something this reply needed no longer exists.", detail };
    case "forbidden":
    case "unauthenticated":
      return { title: "You are not allowed to do that here.", detail };
    case "bad_request":
      return { title: "The request could not be carried out.", detail };
    default:
      return { title: "The reply failed.", detail };
  }
}
