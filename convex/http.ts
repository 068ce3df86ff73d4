/**
 * The deployment's HTTP routes (`https://<deployment>.convex.site`). Each
 * domain registers its own routes; shared request handling (request ids, the
 * error envelope, body limits) lives in lib/http.ts.
 */
import { httpRouter } from "convex/server";
import { registerEmailRoutes } from "./channels/email/routes";
import { registerTelegramRoutes } from "./channels/telegram/routes";
import { registerClerkRoutes } from "./clerk/routes";
import { registerApiRoutes } from "./httpApi/routes";
import { registerOpsRoutes } from "./ops/routes";

const http = httpRouter();
registerClerkRoutes(http);
registerApiRoutes(http);
registerOpsRoutes(http);
registerTelegramRoutes(http);
registerEmailRoutes(http);
export default http;
