/**
 * A kanban view of an agent's tasks: columns from the view's config, cards
 * grouped by status, live (a reactive query: an agent's change in another tab
 * shows at once). Move a card by dragging it, or focus it and use the arrow
 * keys (left / right: another column; up / down: its place in the column).
 */
import { useEffect, useRef, useState, type DragEvent, type KeyboardEvent } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useMutation, useQuery } from "../lib/convex";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import { keyboardMove, placeCards, type Column, type Move, type Task } from "./boardModel";
import { NewTask } from "./NewTask";
import "./tasks.css";

const DRAG_TYPE = "application/x-task-id";

export function KanbanBoard({ agentId, name, columns, canEdit }: { agentId: Id<"agents">; name: string; columns: Column[]; canEdit: boolean }) {
  const { accountId } = useAccount();
  const tasks = useQuery(api.tasks.tasks.board, { accountId, agentId });
  const moveTask = useMutation(api.tasks.tasks.move);
  const [announcement, setAnnouncement] = useState("");
  const [focusTaskId, setFocusTaskId] = useState<string | null>(null);
  const boardRef = useRef<HTMLDivElement>(null);
  const { run, error } = useRun(async (task: Task, move: Move, title: string) => {
    await moveTask({ accountId, taskId: task.taskId, status: move.status, ...(move.beforeTaskId ? { beforeTaskId: move.beforeTaskId } : {}) });
    setAnnouncement(`Moved “${task.title}” to ${title}.`);
  });

  // Keep the keyboard on the card it moved (it re-renders in another column).
  useEffect(() => {
    if (focusTaskId === null) return;
    boardRef.current?.querySelector<HTMLElement>(`[data-task-id="${focusTaskId}"]`)?.focus();
  }, [tasks, focusTaskId]);

  if (tasks === undefined) {
    return (
      <p className="muted" role="status" data-testid="board-loading">
        Loading the board…
      </p>
    );
  }
  const board = placeCards(columns, tasks);
  const titleOf = (status: string) => board.find((p) => p.column.key === status)?.column.title ?? status;
  const move = (task: Task, to: Move) => {
    if (to.status === task.status && to.beforeTaskId === task.taskId) return;
    setFocusTaskId(task.taskId);
    void run(task, to, titleOf(to.status));
  };
  const onKeyDown = (event: KeyboardEvent, task: Task) => {
    if (!canEdit) return;
    const to = keyboardMove(board, task, event.key);
    if (to === null) return;
    event.preventDefault();
    move(task, to);
  };
  const onDrop = (event: DragEvent, status: string, beforeTaskId?: Id<"tasks">) => {
    const taskId = event.dataTransfer.getData(DRAG_TYPE);
    const task = tasks.find((t) => t.taskId === taskId);
    if (task === undefined) return;
    event.preventDefault();
    event.stopPropagation();
    move(task, { status, ...(beforeTaskId && beforeTaskId !== task.taskId ? { beforeTaskId } : {}) });
  };
  const allowDrop = (event: DragEvent) => {
    if (canEdit && event.dataTransfer.types.includes(DRAG_TYPE)) event.preventDefault();
  };

  return (
    <section aria-label={name} data-testid="kanban">
      {canEdit && <NewTask agentId={agentId} firstColumn={columns[0]} />}
      <p id="kanban-help" className="muted small">
        {canEdit ? "Drag a card to another column, or focus it and use the arrow keys: ← → change column, ↑ ↓ change its place." : "You can read this board; members and admins can change it."}
      </p>
      {error && (
        <p role="alert" className="error small" data-testid="board-error">
          {error}
        </p>
      )}
      <div className="kanban" ref={boardRef}>
        {board.map(({ column, cards }) => (
          <div
            key={column.key}
            className="kanban-column"
            data-testid="kanban-column"
            data-column={column.key}
            onDragOver={allowDrop}
            onDrop={(event) => onDrop(event, column.key)}
          >
            <h3>
              {column.title} <span className="muted small">{cards.length}</span>
            </h3>
            <ul aria-label={column.title}>
              {cards.map((task) => (
                <li
                  key={task.taskId}
                  className="kanban-card"
                  data-testid="kanban-card"
                  data-task-id={task.taskId}
                  data-status={task.status}
                  tabIndex={0}
                  draggable={canEdit}
                  aria-describedby="kanban-help"
                  aria-keyshortcuts={canEdit ? "ArrowLeft ArrowRight ArrowUp ArrowDown" : undefined}
                  onKeyDown={(event) => onKeyDown(event, task)}
                  onDragStart={(event) => {
                    event.dataTransfer.setData(DRAG_TYPE, task.taskId);
                    event.dataTransfer.effectAllowed = "move";
                  }}
                  onDragOver={allowDrop}
                  onDrop={(event) => onDrop(event, column.key, task.taskId)}
                >
                  <span className="kanban-title">{task.title}</span>
                  {task.description !== "" && <span className="muted small">{task.description}</span>}
                  <span className="muted small">
                    {task.createdBy.kind === "agent" ? "added by the agent" : "added by a person"}
                    {task.dueAt !== undefined && ` · due ${new Date(task.dueAt).toLocaleDateString()}`}
                  </span>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </div>
      <p className="visually-hidden" role="status" aria-live="polite" data-testid="board-announcement">
        {announcement}
      </p>
    </section>
  );
}
