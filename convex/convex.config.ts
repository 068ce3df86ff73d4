import { defineApp } from "convex/server";
import agent from "@convex-dev/agent/convex.config";
import workflow from "@convex-dev/workflow/convex.config";
import workpool from "@convex-dev/workpool/convex.config";
import rag from "@convex-dev/rag/convex.config";
import budget from "../components/budget/src/component/convex.config";
import migrations from "@convex-dev/migrations/convex.config";

const app = defineApp();
app.use(agent, { name: "agent" });
app.use(workflow, { name: "workflow" });
app.use(workpool, { name: "toolPool" });
// Outbound webhook deliveries: retries with backoff, bounded parallelism.
app.use(workpool, { name: "webhookPool" });
app.use(rag, { name: "rag" });
app.use(budget, { name: "budget" });
// Data migrations (convex/migrations.ts): `npx convex run migrations:runAll` after a deploy that adds one.
app.use(migrations, { name: "migrations" });
export default app;
