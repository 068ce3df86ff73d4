import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

/** Jobs stuck past their timeout are settled as timed out (safe to run twice). */
crons.interval("settle stuck jobs", { minutes: 1 }, internal.jobs.maintenance.settleStuckJobs, {});

/** Retention sweeps, daily at quiet hours; each deletes in batches and continues itself (safe to run twice). */
crons.daily("sweep webhook deliveries (30 days)", { hourUTC: 3, minuteUTC: 7 }, internal.outbound.retention.sweepDeliveries, {});
crons.daily("sweep settled Clerk events (30 days)", { hourUTC: 3, minuteUTC: 17 }, internal.clerk.retention.sweepEvents, {});
crons.daily("sweep API agent-event ids (7 days)", { hourUTC: 3, minuteUTC: 27 }, internal.httpApi.retention.sweepAgentEvents, {});

export default crons;
