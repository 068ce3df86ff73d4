import { useId, useState, type FormEvent } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useMutation, type FunctionReturnType } from "../lib/convex";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";

export type Feedback = FunctionReturnType<typeof api.feedback.feedback.forThread>[number];
type Rating = Feedback["rating"];

const MAX_COMMENT = 1000;
const RATINGS: { rating: Rating; label: string }[] = [
  { rating: "up", label: "Good reply" },
  { rating: "down", label: "Bad reply" },
];

/**
 * Thumbs up / down on a reply, pressed state from the server; after a rating,
 * an optional comment. Pressing the pressed thumb again takes the rating back.
 */
export function FeedbackButtons({
  threadId,
  interactionId,
  messageId,
  current,
}: {
  threadId: Id<"threads">;
  interactionId: Id<"interactions">;
  messageId: string;
  current: Feedback | undefined;
}) {
  const { accountId } = useAccount();
  const set = useRun(useMutation(api.feedback.feedback.set));
  const remove = useRun(useMutation(api.feedback.feedback.remove));
  const [commenting, setCommenting] = useState(false);
  const [comment, setComment] = useState("");
  const commentId = useId();
  const target = { accountId, threadId, interactionId, messageId };

  const rate = async (rating: Rating) => {
    if (current?.rating === rating) {
      await remove.run(target);
      setCommenting(false);
      return;
    }
    const saved = await set.run({ ...target, rating, ...(current?.comment !== undefined ? { comment: current.comment } : {}) });
    if (saved !== undefined) {
      setComment(saved.comment ?? "");
      setCommenting(true);
    }
  };

  const saveComment = async (event: FormEvent) => {
    event.preventDefault();
    if (current === undefined) return;
    const saved = await set.run({ ...target, rating: current.rating, comment });
    if (saved !== undefined) setCommenting(false);
  };

  const error = set.error ?? remove.error;
  const busy = set.pending || remove.pending;
  return (
    <div className="feedback" data-testid="feedback" data-rating={current?.rating ?? ""}>
      {RATINGS.map(({ rating, label }) => (
        <button
          key={rating}
          type="button"
          className="button small ghost"
          data-testid={`feedback-${rating}`}
          aria-pressed={current?.rating === rating}
          aria-label={label}
          title={label}
          disabled={busy}
          onClick={() => void rate(rating)}
        >
          <ThumbIcon down={rating === "down"} />
        </button>
      ))}
      {current?.comment !== undefined && !commenting && (
        <span className="muted small feedback-comment" data-testid="feedback-comment-saved" title="Your comment">
          “{current.comment}”
        </span>
      )}
      {commenting && current !== undefined && (
        <form className="feedback-form" onSubmit={(e) => void saveComment(e)} aria-label="Comment on this reply">
          <label htmlFor={commentId} className="small">
            {current.rating === "up" ? "What was good? (optional)" : "What went wrong? (optional)"}
          </label>
          <textarea
            id={commentId}
            data-testid="feedback-comment"
            rows={2}
            maxLength={MAX_COMMENT}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                e.preventDefault();
                setCommenting(false);
              }
            }}
          />
          <div className="row">
            <button type="submit" className="button small primary" data-testid="feedback-save" disabled={busy}>
              Save comment
            </button>
            <button type="button" className="button small ghost" onClick={() => setCommenting(false)}>
              Skip
            </button>
          </div>
        </form>
      )}
      {error !== null && (
        <p role="alert" className="error small" data-testid="feedback-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** A thumb (pointing down when `down`), drawn in the text colour. */
function ThumbIcon({ down = false }: { down?: boolean }) {
  return (
    <svg
      viewBox="0 0 24 24"
      width="16"
      height="16"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      style={down ? { transform: "rotate(180deg)" } : undefined}
    >
      <path d="M7 10v11H3V10z" />
      <path d="M7 10l4-8a3 3 0 0 1 3 3v4h5.5a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 18.1 21H7" />
    </svg>
  );
}
