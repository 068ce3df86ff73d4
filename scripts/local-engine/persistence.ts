/**
 * Files of the local engine's data folder (`.local/engine/` by default,
 * gitignored): `engine.sqlite` (+ its `-wal`; every table of the app and of
 * every component, sqliteStore.ts), `secret.json` (the local sign-in key),
 * `users.json` (the sign-in picker), `admin_key.txt` (the deployment's admin
 * key, adminKey.ts) and `env.json` (its environment variables, envStore.ts).
 * `snapshot.json` is what engines before the SQLite store wrote: imported
 * once into `engine.sqlite`, then renamed `snapshot.imported.json`.
 *
 * Every write of the small JSON files is atomic: write a temporary file in the
 * same folder, fsync it, rename it over the old one, fsync the folder. A crash
 * at any point leaves either the old complete file or the new complete file,
 * never a torn one.
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

export type DataFiles = {
  dir: string;
  database: string;
  snapshot: string;
  importedSnapshot: string;
  secret: string;
  users: string;
  adminKey: string;
  env: string;
};

export function dataFiles(dir: string): DataFiles {
  return {
    dir,
    database: path.join(dir, "engine.sqlite"),
    snapshot: path.join(dir, "snapshot.json"),
    importedSnapshot: path.join(dir, "snapshot.imported.json"),
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
  const database = [files.database, `${files.database}-wal`, `${files.database}-shm`];
  await Promise.all([...database, files.snapshot, files.importedSnapshot, files.secret, files.users].map((file) => rm(file, { force: true })));
}
