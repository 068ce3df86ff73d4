import { defineComponent } from "convex/server";
import rateLimiter from "@convex-dev/rate-limiter/convex.config";

const component = defineComponent("budget");
component.use(rateLimiter, { name: "rateLimiter" });
export default component;
