/**
 * The local deployment's environment variables: what `npx convex env
 * set / get / list / remove` manage on a deployment.
 *
 * Kept in the data folder (`env.json`, mode 0600, written atomically, kept
 * across `--reset` like a deployment keeps its environment when data is
 * wiped) and applied to the engine's own `process.env`, which is what the
 * app's functions read (`convex/lib/env.ts` reads it on every call), so a
 * change applies to the next function call without a restart.
 *
 * The engine's process may also have been started with variables set in the
 * shell (`HARNESS_SERVICE_SECRET=… npm start`). Those are the base: a stored
 * variable overrides one, and removing the stored variable brings the shell's
 * value back. `env list` shows the stored variables only.
 *
 * Names and values are checked as a deployment checks them: a name starts with
 * a letter and has only letters, digits and underscores, at most 40
 * characters; a value is at most 8 KiB; at most 100 variables.
 */
import { readJsonFile, writeFileAtomic } from "./persistence";

export const MAX_ENV_NAME_LENGTH = 40;
export const MAX_ENV_VALUE_BYTES = 8 * 1024;
export const MAX_ENV_VARS = 100;

export type EnvVar = { name: string; value: string };
export type EnvChange = { name: string; value: string | null };

export class EnvError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function checkEnvName(name: unknown): string {
  if (typeof name !== "string" || name === "") throw new EnvError("EnvVarNameInvalid", "Environment variable names must be non-empty strings.");
  if (name.length > MAX_ENV_NAME_LENGTH) throw new EnvError("EnvVarNameTooLong", `Environment variable name "${name}" is longer than ${MAX_ENV_NAME_LENGTH} characters.`);
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
    throw new EnvError("EnvVarNameInvalid", `Environment variable name "${name}" must start with a letter and contain only letters, digits and underscores.`);
  }
  return name;
}

function checkEnvValue(name: string, value: unknown): string {
  if (typeof value !== "string") throw new EnvError("EnvVarValueInvalid", `The value of ${name} must be a string.`);
  if (Buffer.byteLength(value, "utf8") > MAX_ENV_VALUE_BYTES) throw new EnvError("EnvVarValueTooLarge", `The value of ${name} is larger than 8 KiB.`);
  return value;
}

export class EnvStore {
  /** The values the process had for names we override, restored when the override is removed. */
  private readonly base = new Map<string, string | undefined>();

  private constructor(
    private readonly file: string,
    private vars: Map<string, string>,
    private readonly target: Record<string, string | undefined>,
  ) {}

  /** Load the stored variables and apply them to `target` (default `process.env`). */
  static async open(file: string, target: Record<string, string | undefined> = process.env): Promise<EnvStore> {
    const stored = await readJsonFile<Record<string, unknown>>(file);
    const vars = new Map<string, string>();
    if (stored !== null && typeof stored === "object" && !Array.isArray(stored)) {
      for (const [name, value] of Object.entries(stored)) if (typeof value === "string") vars.set(name, value);
    }
    const store = new EnvStore(file, vars, target);
    for (const [name, value] of vars) store.apply(name, value);
    return store;
  }

  list(): EnvVar[] {
    return [...this.vars].sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value }));
  }

  get(name: string): EnvVar | null {
    const value = this.vars.get(name);
    return value === undefined ? null : { name, value };
  }

  /** Apply a batch of changes (value null = remove) all-or-nothing: every change is checked first. */
  async update(changes: unknown): Promise<void> {
    if (!Array.isArray(changes)) throw new EnvError("BadRequest", "Expected `changes`: an array of { name, value }.");
    const checked: EnvChange[] = changes.map((change: unknown) => {
      if (typeof change !== "object" || change === null) throw new EnvError("BadRequest", "Each change is { name, value }.");
      const { name, value } = change as { name?: unknown; value?: unknown };
      const checkedName = checkEnvName(name);
      return { name: checkedName, value: value === null || value === undefined ? null : checkEnvValue(checkedName, value) };
    });
    const next = new Map(this.vars);
    for (const { name, value } of checked) {
      if (value === null) next.delete(name);
      else next.set(name, value);
    }
    if (next.size > MAX_ENV_VARS) throw new EnvError("TooManyEnvVars", `A deployment holds at most ${MAX_ENV_VARS} environment variables.`);
    await writeFileAtomic(this.file, JSON.stringify(Object.fromEntries(next), null, 2), 0o600);
    const previous = this.vars;
    this.vars = next;
    for (const name of new Set([...previous.keys(), ...next.keys()])) {
      const value = next.get(name);
      if (value !== undefined) this.apply(name, value);
      else if (previous.has(name)) this.restore(name);
    }
  }

  private apply(name: string, value: string) {
    if (!this.base.has(name)) this.base.set(name, this.target[name]);
    this.target[name] = value;
  }

  private restore(name: string) {
    const original = this.base.get(name);
    this.base.delete(name);
    if (original === undefined) delete this.target[name];
    else this.target[name] = original;
  }
}
