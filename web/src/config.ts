/**
 * What the SPA reads from its build environment, in one place. A server may
 * inject its own values into index.html (the local engine's production build:
 * scripts/web/serve.ts), so one build runs on any port; those win.
 */
type Env = Pick<ImportMetaEnv, "VITE_CONVEX_URL" | "VITE_CONVEX_SITE_URL" | "VITE_CLERK_PUBLISHABLE_KEY" | "VITE_LOCAL_AUTH_URL" | "VITE_ENGINE_LOGS_URL">;
const injected = (globalThis as { __HARNESS_ENV__?: Env }).__HARNESS_ENV__;
const env: Env = { ...import.meta.env, ...injected };

const nonEmpty = (value: string | undefined) => (value !== undefined && value.trim() !== "" ? value.trim() : undefined);

/**
 * The local engine serves the SPA and its sign-in on one port. When the page
 * comes from that same port (under whatever host name: localhost, 127.0.0.1,
 * a LAN address), call the sign-in on the page's own origin, so no
 * cross-origin request (which the engine refuses) is needed.
 */
function localAuthUrl(configured: string | undefined): string {
  if (configured === undefined) return "/local-auth";
  try {
    const url = new URL(configured, window.location.href);
    if (url.port === window.location.port && url.protocol === window.location.protocol) return url.pathname.replace(/\/+$/, "");
    return url.href.replace(/\/+$/, "");
  } catch {
    return configured.replace(/\/+$/, "");
  }
}

/**
 * The deployment's HTTP origin (where `/v1/...` lives): `VITE_CONVEX_SITE_URL`
 * when set (the local engine sets it to its site port; a self-hosted backend
 * should too), else the `.convex.site` twin of a `.convex.cloud` deployment URL.
 */
function siteUrl(configured: string | undefined, convexUrl: string | undefined): string | undefined {
  if (configured !== undefined) return configured.replace(/\/+$/, "");
  if (convexUrl === undefined) return undefined;
  try {
    const url = new URL(convexUrl);
    if (!url.hostname.endsWith(".convex.cloud")) return undefined;
    url.hostname = `${url.hostname.slice(0, -".convex.cloud".length)}.convex.site`;
    return url.origin;
  } catch {
    return undefined;
  }
}

/**
 * The Convex dashboard page of a cloud deployment (`https://<name>.convex.cloud`,
 * optionally with a region label), where its Logs are; what `npx convex
 * dashboard` opens. Anything else (self-hosted, a custom domain): undefined.
 */
export function dashboardUrl(convexUrl: string | undefined): string | undefined {
  if (convexUrl === undefined) return undefined;
  try {
    const match = /^([a-z]+-[a-z]+-\d+)(\.[a-z0-9-]+)?\.convex\.cloud$/.exec(new URL(convexUrl).hostname);
    return match === null ? undefined : `https://dashboard.convex.dev/d/${match[1]}`;
  } catch {
    return undefined;
  }
}

export const config = {
  convexUrl: nonEmpty(env.VITE_CONVEX_URL),
  convexSiteUrl: siteUrl(nonEmpty(env.VITE_CONVEX_SITE_URL), nonEmpty(env.VITE_CONVEX_URL)),
  clerkPublishableKey: nonEmpty(env.VITE_CLERK_PUBLISHABLE_KEY),
  localAuthUrl: localAuthUrl(nonEmpty(env.VITE_LOCAL_AUTH_URL)),
  /** The local engine's log view of one run tree (`?root=<id>`); undefined on a deployment. */
  engineLogsUrl: nonEmpty(env.VITE_ENGINE_LOGS_URL),
  convexDashboardUrl: dashboardUrl(nonEmpty(env.VITE_CONVEX_URL)),
};

export type AuthMode = "clerk" | "local";
export const authMode: AuthMode = config.clerkPublishableKey !== undefined ? "clerk" : "local";
