import { defineApp } from "convex/server";
import agent from "@convex-dev/agent/convex.config";
import workflow from "@convex-dev/workflow/convex.config";
import workpool from "@convex-dev/workpool/convex.config";
import rag from "@convex-dev/rag/convex.config";
import budget from "../components/budget/src/component/convex.config";

const app = defineApp();
app.use(agent, { name: "agent" });
app.use(workflow, { name: "workflow" });
app.use(workpool, { name: "toolPool" });
// Outbound webhook deliveries: retries with backoff, bounded parallelism.
app.use(workpool, { name: "webhookPool" });
app.use(rag, { name: "rag" });
app.use(budget, { name: "budget" });
export default app;
