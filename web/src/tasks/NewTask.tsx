/** The board's "add a task" form: a title, into the first column. */
import { useState, type FormEvent } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useMutation } from "../lib/convex";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import type { Column } from "./boardModel";

export function NewTask({ agentId, firstColumn }: { agentId: Id<"agents">; firstColumn: Column | undefined }) {
  const { accountId } = useAccount();
  const create = useMutation(api.tasks.tasks.create);
  const [title, setTitle] = useState("");
  const { run, pending, error } = useRun(async (text: string) => await create({ accountId, agentId, title: text, ...(firstColumn ? { status: firstColumn.key } : {}) }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if ((await run(title)) !== undefined) setTitle("");
  };
  return (
    <form className="row" onSubmit={(event) => void submit(event)} data-testid="new-task">
      <label className="visually-hidden" htmlFor="new-task-title">
        New task
      </label>
      <input id="new-task-title" value={title} placeholder={`Add a task to ${firstColumn?.title ?? "the board"}`} onChange={(e) => setTitle(e.target.value)} maxLength={200} />
      <button type="submit" className="button secondary" disabled={pending || title.trim() === ""}>
        {pending ? "Adding…" : "Add task"}
      </button>
      {error && (
        <p role="alert" className="error small">
          {error}
        </p>
      )}
    </form>
  );
}
