/** A task-board tool's result in words, or undefined for other tools. */
type TaskCard = { title?: unknown; status?: unknown };

function cardOf(value: unknown): TaskCard | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const task = (value as { task?: unknown }).task;
  return typeof task === "object" && task !== null ? (task as TaskCard) : undefined;
}

export function describeTaskResult(toolName: string, value: unknown): string | undefined {
  if (!toolName.startsWith("task_")) return undefined;
  if (toolName === "task_list") {
    const tasks = typeof value === "object" && value !== null ? (value as { tasks?: TaskCard[] }).tasks : undefined;
    if (!Array.isArray(tasks) || tasks.length === 0) return "The board is empty.";
    return `On the board: ${tasks.map((t) => `“${String(t.title)}” (${String(t.status)})`).join(", ")}.`;
  }
  const card = cardOf(value);
  if (card === undefined) return undefined;
  const title = `“${String(card.title)}”`;
  if (toolName === "task_create") return `I've added ${title} to the board, in ${String(card.status)}.`;
  if (toolName === "task_complete") return `I've marked ${title} as done.`;
  return `I've updated ${title}; it is now in ${String(card.status)}.`;
}
