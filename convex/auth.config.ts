import { env } from "./_generated/server";
import type { AuthConfig } from "convex/server";

/**
 * Real deployments trust exactly these issuers. The local engine's sign-in is
 * not one of them, so a locally minted identity can never reach production.
 */
export default {
  providers: [
    {
      domain: env.CLERK_JWT_ISSUER_DOMAIN!,
      applicationID: "convex",
    },
  ],
} satisfies AuthConfig;
