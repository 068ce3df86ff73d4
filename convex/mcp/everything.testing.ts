/**
 * The MCP reference server `@modelcontextprotocol/server-everything`
 * (devDependency, exact version) in its Streamable HTTP mode, as a child
 * process on a free local port, for tests:
 *
 *   node node_modules/@modelcontextprotocol/server-everything/dist/index.js streamableHttp
 *
 * with `PORT` set (its dist/transports/streamableHttp.js listens on
 * `process.env.PORT || 3001` and serves `POST/GET/DELETE /mcp`). It reads no
 * flag for the port, and `PORT=0` would hide which port it took, so a free
 * port is found first. The child gets a minimal environment: its `get-env`
 * tool prints the environment it runs in.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** The server's entry point, resolved from the installed package. */
export function everythingEntry(): string {
  return join(dirname(require.resolve("@modelcontextprotocol/server-everything/package.json")), "dist", "index.js");
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export type EverythingServer = {
  port: number;
  /** `http://127.0.0.1:<port>/mcp` */
  url: string;
  /** What it printed (stdout and stderr). */
  output: () => string;
  /** Stop it (SIGTERM) and wait for the process to exit. */
  stop: () => Promise<void>;
};

/** Start server-everything on `port` (default: a free one) and wait until it listens. */
export async function startEverything(port?: number): Promise<EverythingServer> {
  const chosen = port ?? (await freePort());
  const child: ChildProcess = spawn(process.execPath, [everythingEntry(), "streamableHttp"], {
    env: { PORT: String(chosen), NODE_ENV: "test" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server-everything did not start within 15 s:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (/listening on port/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server-everything exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    port: chosen,
    url: `http://127.0.0.1:${chosen}/mcp`,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
