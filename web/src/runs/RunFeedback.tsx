import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { errorText } from "../lib/errors";
import { fullTime, timeAgo } from "../lib/time";
import { useQueryResult } from "../lib/useQueryResult";
import { useAccount } from "../shell/AccountProvider";

/** What users said about this run's replies (thumbs and comments from the chat), for support staff. */
export function RunFeedback({ interactionId }: { interactionId: Id<"interactions"> }) {
  const { accountId } = useAccount();
  const { data, error } = useQueryResult(api.feedback.feedback.forRun, { accountId, interactionId });
  return (
    <section aria-labelledby="feedback-heading" data-testid="run-feedback">
      <h2 id="feedback-heading">User feedback</h2>
      {error !== null ? (
        <p role="alert" className="error small">
          Could not load the feedback: {errorText(error)}
        </p>
      ) : data === undefined ? (
        <p className="muted small" role="status">
          Loading feedback…
        </p>
      ) : data.length === 0 ? (
        <p className="muted small" data-testid="run-feedback-empty">
          No one has rated this run’s replies.
        </p>
      ) : (
        <ul>
          {data.map((item) => (
            <li key={`${item.messageId}:${item.userName}`} data-testid="run-feedback-item" data-rating={item.rating}>
              <strong>{item.rating === "up" ? "Good reply" : "Bad reply"}</strong> · {item.userName} ·{" "}
              <time dateTime={new Date(item.updatedAt).toISOString()} title={fullTime(item.updatedAt)}>
                {timeAgo(item.updatedAt)}
              </time>
              {item.comment !== undefined && <blockquote data-testid="run-feedback-comment">{item.comment}</blockquote>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
