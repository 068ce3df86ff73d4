/**
 * Files of the local engine's data folder (`.local/engine/` by default,
 * gitignored): `snapshot.json` (every table of the app and of every
 * component), `secret.json` (the local sign-in key), `users.json` (the
 * sign-in picker), `admin_key.txt` (the deployment's admin key, adminKey.ts)
 * and `env.json` (its environment variables, envStore.ts).
 *
 * Every write is atomic: write a temporary file in the same folder, fsync it,
 * rename it over the old one, fsync the folder. A crash at any point leaves
 * either the old complete file or the new complete file, never a torn one.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";

export async function writeFileAtomic(file: string, data: string, mode = 0o644): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await open(temp, "w", mode);
  try {
    await handle.writeFile(data, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  // Make the rename itself durable (not supported on every platform: best effort).
  try {
    const dirHandle = await open(dir, "r");
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch {
    // e.g. Windows cannot open a directory for fsync.
  }
}

/** The parsed JSON content of `file`, or null when it does not exist. */
export async function readJsonFile<T>(file: string): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  return JSON.parse(text) as T;
}

export type DataFiles = { dir: string; snapshot: string; secret: string; users: string; adminKey: string; env: string };

export function dataFiles(dir: string): DataFiles {
  return {
    dir,
    snapshot: path.join(dir, "snapshot.json"),
    secret: path.join(dir, "secret.json"),
    users: path.join(dir, "users.json"),
    adminKey: path.join(dir, "admin_key.txt"),
    env: path.join(dir, "env.json"),
  };
}

/**
 * `--reset`: forget the data, the sign-in secret and the user list. The admin
 * key and the environment variables are the deployment's configuration, not
 * its data, and are kept (as a deployment keeps them when its data is wiped).
 */
export async function resetData(files: DataFiles): Promise<void> {
  await Promise.all([files.snapshot, files.secret, files.users].map((file) => rm(file, { force: true })));
}

/**
 * Debounced snapshot writer: `schedule()` after each commit; the snapshot is
 * written `delayMs` after the last commit, and at least every `maxDelayMs`
 * while commits keep coming. One write at a time; `flush()` writes now.
 */
export class SnapshotWriter {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private firstScheduledAt: number | null = null;
  private writing: Promise<void> | null = null;
  private dirty = false;
  writes = 0;

  constructor(
    private readonly take: () => Promise<string>,
    private readonly file: string,
    private readonly options: { delayMs: number; maxDelayMs: number; onError: (error: unknown) => void },
  ) {}

  schedule(): void {
    this.dirty = true;
    const now = Date.now();
    this.firstScheduledAt ??= now;
    const due = Math.min(now + this.options.delayMs, this.firstScheduledAt + this.options.maxDelayMs);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush().catch(this.options.onError), Math.max(0, due - now));
  }

  async flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.firstScheduledAt = null;
    while (this.writing !== null) await this.writing;
    if (!this.dirty) return;
    this.dirty = false;
    this.writing = (async () => {
      try {
        await writeFileAtomic(this.file, await this.take());
        this.writes++;
      } catch (error) {
        this.dirty = true;
        throw error;
      } finally {
        this.writing = null;
      }
    })();
    await this.writing;
  }

  /** Stop the timer without writing (tests, or after a final flush). */
  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
