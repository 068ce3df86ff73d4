/** What the SPA reads from its build environment, in one place. */
const env = import.meta.env;

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

export const config = {
  convexUrl: nonEmpty(env.VITE_CONVEX_URL),
  clerkPublishableKey: nonEmpty(env.VITE_CLERK_PUBLISHABLE_KEY),
  localAuthUrl: localAuthUrl(nonEmpty(env.VITE_LOCAL_AUTH_URL)),
};

export type AuthMode = "clerk" | "local";
export const authMode: AuthMode = config.clerkPublishableKey !== undefined ? "clerk" : "local";
