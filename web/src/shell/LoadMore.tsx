import type { PaginationStatus } from "../lib/convex";

/**
 * The "next page" button under a paginated list: shown while there is more
 * (or more is loading), disabled while it loads.
 */
export function LoadMore({
  status,
  onLoadMore,
  testId,
  label = "Load more",
  small = false,
}: {
  status: PaginationStatus;
  onLoadMore: () => void;
  testId: string;
  /** e.g. "Older events". */
  label?: string;
  /** A quieter button, for lists nested inside a card or a row. */
  small?: boolean;
}) {
  if (status !== "CanLoadMore" && status !== "LoadingMore") return null;
  return (
    <button
      type="button"
      className={small ? "button ghost small" : "button secondary"}
      disabled={status === "LoadingMore"}
      onClick={onLoadMore}
      data-testid={testId}
    >
      {status === "LoadingMore" ? "Loading…" : label}
    </button>
  );
}
