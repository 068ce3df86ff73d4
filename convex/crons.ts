import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

/** Jobs stuck past their timeout are settled as timed out (safe to run twice). */
crons.interval("settle stuck jobs", { minutes: 1 }, internal.jobs.maintenance.settleStuckJobs, {});

export default crons;
