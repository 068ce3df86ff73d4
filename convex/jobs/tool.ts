import { internal } from "../_generated/api";
import type { ToolDefinition } from "../tools/types";
import { ToolInputError } from "../tools/toolInputError";
import { JOB_TYPE_NAMES } from "./types";

/**
 * `schedule_job`: a write-level tool (approval by default) with which an
 * agent runs a task in the background. The job is linked to the turn, its
 * agent and thread; when it ends, the agent posts the result (or the
 * failure) in the thread. Started once per tool call (idempotency key).
 */
export const scheduleJob: ToolDefinition = {
  slug: "schedule_job",
  description:
    "Run a task in the background as a job (for example, summarise something), now or after a delay. The result is posted in this conversation when the job finishes.",
  trustLevel: "write",
  idempotent: true,
  parameters: {
    type: "object",
    properties: {
      task: { type: "string", description: "What the job should do, in plain words" },
      type: { type: "string", enum: JOB_TYPE_NAMES, description: "The kind of job (default: summarize)" },
      delaySeconds: { type: "integer", minimum: 0, description: "Start after this many seconds (default: now)" },
    },
    required: ["task"],
    additionalProperties: false,
  },
  execute: async (run, args) => {
    const task = typeof args.task === "string" ? args.task : "";
    const type = typeof args.type === "string" ? args.type : undefined;
    const delaySeconds = typeof args.delaySeconds === "number" ? args.delaySeconds : undefined;
    const started = await run.ctx.runMutation(internal.jobs.fromAgent.startFromTool, {
      interactionId: run.interactionId,
      idempotencyKey: run.idempotencyKey,
      task,
      ...(type !== undefined ? { type } : {}),
      ...(delaySeconds !== undefined ? { delaySeconds } : {}),
    });
    if (!started.ok) throw new ToolInputError(started.message);
    return { scheduled: true, jobId: started.jobId, type: started.type, state: started.state, runAt: new Date(started.runAt).toISOString() };
  },
};
