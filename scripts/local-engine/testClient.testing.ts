/**
 * What the engine's own tests share: a logger that collects server-side
 * errors, the real `ConvexClient` over `ws`, local sign-in, and waiting on a
 * live query until its value is the one a test expects.
 */
import { ConvexClient } from "convex/browser";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { expect } from "vitest";
import WebSocket from "ws";
import type { Logger } from "./syncServer";

/** A quiet logger that appends every error (with its cause) to `errors`, for failure messages and assertions. */
export function collectingLogger(errors: string[]): Logger {
  return {
    info: () => {},
    verbose: () => {},
    error: (message, error) => errors.push(`${message} ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`),
  };
}

/** The browser's client, on Node's WebSocket. */
export function connectClient(url: string): ConvexClient {
  return new ConvexClient(url, {
    webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
    unsavedChangesWarning: false,
    logger: false,
  });
}

/** A token from the engine's local sign-in (`POST /local-auth/token`), for any client (`ConvexHttpClient.setAuth`, `Authorization: Bearer`). */
export async function localToken(engineUrl: string, user: Record<string, string>): Promise<string> {
  const response = await fetch(`${engineUrl}/local-auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(user),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

/** Sign `client` in through the engine's local auth (`POST /local-auth/token`); resolves with the token once the server accepts it. */
export async function signInLocal(engineUrl: string, client: ConvexClient, user: Record<string, string>): Promise<string> {
  const token = await localToken(engineUrl, user);
  await new Promise<void>((resolve, reject) => {
    client.setAuth(
      async () => token,
      (isAuthenticated) => (isAuthenticated ? resolve() : reject(new Error("sign-in refused"))),
    );
  });
  return token;
}

/**
 * Resolves with the first value of the subscription that satisfies `accept`;
 * rejects on a query error, or after `timeoutMs` naming the last value seen
 * and, when given, the engine's errors so far.
 */
export function waitForQuery<Query extends FunctionReference<"query">>(
  client: ConvexClient,
  query: Query,
  args: FunctionArgs<Query>,
  accept: (value: FunctionReturnType<Query>) => boolean,
  { timeoutMs, engineErrors }: { timeoutMs: number; engineErrors?: readonly string[] },
): Promise<FunctionReturnType<Query>> {
  type T = FunctionReturnType<Query>;
  return new Promise<T>((resolve, reject) => {
    let last: unknown;
    const timer = setTimeout(() => {
      unsubscribe();
      const context = engineErrors === undefined ? "" : `; engine errors: ${engineErrors.join(" | ")}`;
      reject(new Error(`timed out waiting on ${JSON.stringify(args)}; last value ${JSON.stringify(last)}${context}`));
    }, timeoutMs);
    const unsubscribe = client.onUpdate(
      query,
      args,
      (value: T) => {
        last = value;
        if (!accept(value)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        unsubscribe();
        reject(error);
      },
    );
  });
}
