/**
 * A model's tool arguments checked against the tool's declared JSON Schema
 * before anything runs. The model sees the reasons as a tool error and can try
 * again; no side effect starts from arguments the tool never promised to take.
 *
 * `@cfworker/json-schema` interprets schemas without `eval`/`new Function`, so
 * it runs in Convex's default runtime as it does in tests.
 */
import { Validator, type Schema } from "@cfworker/json-schema";

/** At most this many reasons are reported (the first ones are the useful ones). */
const MAX_REASONS = 5;

/** `null` when `input` (the JSON text the model sent) fits `schema`; otherwise the reasons in words. */
export function argumentProblems(schema: unknown, input: string): string | null {
  let args: unknown;
  try {
    args = JSON.parse(input === "" ? "{}" : input);
  } catch {
    return "the arguments are not valid JSON";
  }
  const result = new Validator(schema as Schema, "7", false).validate(args);
  if (result.valid) return null;
  // The leaf errors say what is wrong where; the wrapping "properties" errors only repeat them.
  const leaves = result.errors.filter((e) => e.keyword !== "properties" && e.keyword !== "$ref");
  const reasons = (leaves.length > 0 ? leaves : result.errors)
    .slice(0, MAX_REASONS)
    .map((e) => `${e.instanceLocation.replace(/^#\/?/, "") || "arguments"}: ${e.error}`);
  return reasons.join("; ");
}
