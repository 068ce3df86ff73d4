import { defineComponent } from "convex/server";
import rateLimiter from "@convex-dev/rate-limiter/convex.config";
import shardedCounter from "@convex-dev/sharded-counter/convex.config";

const component = defineComponent("budget");
component.use(rateLimiter, { name: "rateLimiter" });
component.use(shardedCounter, { name: "shardedCounter" });
export default component;
