/** The board's pure logic: cards into columns, and where a keyboard move puts a card. */
import type { FunctionReturnType } from "../lib/convex";
import type { api } from "../../../convex/_generated/api";

export type Task = FunctionReturnType<typeof api.tasks.tasks.board>[number];
export type Column = { key: string; title: string };
export type Placed = { column: Column; cards: Task[] };

/** Cards by column, in card order; statuses no column names get a column of their own at the end, so no card is hidden. */
export function placeCards(columns: Column[], tasks: Task[]): Placed[] {
  const placed: Placed[] = columns.map((column) => ({ column, cards: [] }));
  for (const task of [...tasks].sort((a, b) => a.order - b.order)) {
    let target = placed.find((p) => p.column.key === task.status);
    if (target === undefined) {
      target = { column: { key: task.status, title: `${task.status} (not on this board)` }, cards: [] };
      placed.push(target);
    }
    target.cards.push(task);
  }
  return placed;
}

export type Move = { status: string; beforeTaskId?: Task["taskId"] };

/** Where an arrow key moves `task`: left/right to the end of the next column, up/down past one neighbour. Null: nowhere to go. */
export function keyboardMove(board: Placed[], task: Task, key: string): Move | null {
  const columnIndex = board.findIndex((p) => p.cards.some((c) => c.taskId === task.taskId));
  if (columnIndex < 0) return null;
  const { column, cards } = board[columnIndex]!;
  const index = cards.findIndex((c) => c.taskId === task.taskId);
  switch (key) {
    case "ArrowLeft":
    case "ArrowRight": {
      const next = board[columnIndex + (key === "ArrowLeft" ? -1 : 1)];
      return next === undefined ? null : { status: next.column.key };
    }
    case "ArrowUp":
      return index === 0 ? null : { status: column.key, beforeTaskId: cards[index - 1]!.taskId };
    case "ArrowDown": {
      if (index === cards.length - 1) return null;
      const after = cards[index + 2];
      return after === undefined ? { status: column.key } : { status: column.key, beforeTaskId: after.taskId };
    }
    default:
      return null;
  }
}
