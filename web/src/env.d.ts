/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Convex deployment URL (the local engine sets it to itself). */
  readonly VITE_CONVEX_URL?: string;
  /** The deployment's HTTP origin (`/v1/...`); default: the `.convex.site` twin of a `.convex.cloud` VITE_CONVEX_URL. The local engine sets it. */
  readonly VITE_CONVEX_SITE_URL?: string;
  /** With it set, sign-in goes through Clerk; without, through the local engine's sign-in. */
  readonly VITE_CLERK_PUBLISHABLE_KEY?: string;
  /** The local engine's sign-in endpoints (default: `/local-auth` on the page's origin). */
  readonly VITE_LOCAL_AUTH_URL?: string;
  /** The local engine's log view (`/_engine/logs`); set only by the engine, so the run page links to it only there. */
  readonly VITE_ENGINE_LOGS_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
