/** Types the agent page and its sections share (a module of its own, so the sections need not import the page). */
import type { api } from "../../../convex/_generated/api";
import type { FunctionReturnType } from "../lib/convex";

/** One agent as `agents.agents.get` returns it. */
export type AgentDetail = FunctionReturnType<typeof api.agents.agents.get>;
