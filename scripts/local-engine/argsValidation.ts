/**
 * Argument validation as a Convex deployment reports it to clients.
 *
 * convex-test checks a function's `args` validator too, but its messages
 * ("Validator error: Expected `string`, got `1`") name no field, and the
 * engine redacted them to "[Request ID: …] Server Error" like any other
 * error. A deployment instead answers an `ArgumentValidationError` whose text
 * names the path of the offending value and the validator it missed:
 *
 *   ArgumentValidationError: Value does not match validator.
 *   Path: .rateLimit.requests
 *   Value: "ten"
 *   Validator: v.float64()
 *
 * The wording follows the backend's `ValidationError` display
 * (crates/common/src/schemas/validator.rs in get-convex/convex-backend):
 * NoMatch, MissingRequiredField, ExtraField, TableNamesDoNotMatch,
 * LiteralValuesDoNotMatch. The engine checks arguments with this module
 * before running a function, so every client (sync WebSocket, HTTP API, CLI)
 * gets that message; convex-test's own check then always passes.
 */
import { jsonToConvex, type JSONValue, type Value, type ValidatorJSON } from "convex/values";

export const ARGUMENT_VALIDATION_ERROR = "ArgumentValidationError";

/** The table of an id of the local engine (`<digits><table>`, as convex-test mints them), or null when it is not one. */
export function tableOfId(id: string): string | null {
  const match = /^[0-9]+/.exec(id);
  if (match === null || match[0].length === id.length) return null;
  return id.slice(match[0].length);
}

type FieldJSON = { fieldType: ValidatorJSON; optional: boolean };

function isPlainObject(value: Value): value is Record<string, Value> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof ArrayBuffer);
}

/** A value as the backend displays it in validation messages (JSON-like, bigints as `1n`), shortened when long. */
export function displayValue(value: Value, depth = 0): string {
  let text: string;
  if (value === null) text = "null";
  else if (typeof value === "bigint") text = `${value}n`;
  else if (typeof value === "number") text = Number.isFinite(value) ? String(value) : String(value);
  else if (typeof value === "string") text = JSON.stringify(value);
  else if (typeof value === "boolean") text = String(value);
  else if (value instanceof ArrayBuffer) text = `Bytes(${value.byteLength})`;
  else if (Array.isArray(value)) text = depth > 3 ? "[…]" : `[${value.map((item) => displayValue(item, depth + 1)).join(", ")}]`;
  else text = depth > 3 ? "{…}" : `{${Object.entries(value).map(([key, item]) => `${key}: ${displayValue(item, depth + 1)}`).join(", ")}}`;
  return depth === 0 && text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

/** A validator as Convex writes it (`v.object({name: v.string()})`). */
export function displayValidator(validator: ValidatorJSON): string {
  switch (validator.type) {
    case "null":
      return "v.null()";
    case "number":
      return "v.float64()";
    case "bigint":
      return "v.int64()";
    case "boolean":
      return "v.boolean()";
    case "string":
      return "v.string()";
    case "bytes":
      return "v.bytes()";
    case "any":
      return "v.any()";
    case "literal":
      return `v.literal(${displayValue(jsonToConvex(validator.value))})`;
    case "id":
      return `v.id(${JSON.stringify(validator.tableName)})`;
    case "array":
      return `v.array(${displayValidator(validator.value)})`;
    case "record":
      return `v.record(${displayValidator(validator.keys as ValidatorJSON)}, ${displayValidator(validator.values.fieldType)})`;
    case "object":
      return `v.object({${Object.entries(validator.value as Record<string, FieldJSON>)
        .map(([name, field]) => `${name}: ${field.optional ? `v.optional(${displayValidator(field.fieldType)})` : displayValidator(field.fieldType)}`)
        .join(", ")}})`;
    case "union":
      return `v.union(${validator.value.map(displayValidator).join(", ")})`;
    default:
      return `v.${(validator as { type: string }).type}()`;
  }
}

/** Where a validation failed: `.field`, `.list[2]`, … (empty at the top level). */
export type ValidationFailure = { path: string; message: string };

const context = (path: string) => (path === "" ? "" : `Path: ${path}`);

function mismatch(path: string, value: Value, validator: ValidatorJSON): ValidationFailure {
  return { path, message: `Value does not match validator.\n${context(path)}\nValue: ${displayValue(value)}\nValidator: ${displayValidator(validator)}` };
}

/** The first place `value` fails `validator`, or null when it matches. */
export function findMismatch(validator: ValidatorJSON, value: Value, path = ""): ValidationFailure | null {
  switch (validator.type) {
    case "any":
      return null;
    case "null":
      return value === null ? null : mismatch(path, value, validator);
    case "number":
      return typeof value === "number" ? null : mismatch(path, value, validator);
    case "bigint":
    case "commitTs":
      return typeof value === "bigint" ? null : mismatch(path, value, validator);
    case "boolean":
      return typeof value === "boolean" ? null : mismatch(path, value, validator);
    case "string":
      return typeof value === "string" ? null : mismatch(path, value, validator);
    case "bytes":
      return value instanceof ArrayBuffer ? null : mismatch(path, value, validator);
    case "literal": {
      const expected = jsonToConvex(validator.value);
      if (value === expected || (typeof value === "number" && typeof expected === "number" && Object.is(value, expected))) return null;
      if (typeof value === typeof expected && typeof value !== "object") {
        return { path, message: `\`${displayValue(value)}\` does not match literal validator \`v.literal(${displayValue(expected)})\`.${context(path)}` };
      }
      return mismatch(path, value, validator);
    }
    case "id": {
      if (typeof value !== "string") return mismatch(path, value, validator);
      const table = tableOfId(value);
      if (table === null) return mismatch(path, value, validator);
      if (table !== validator.tableName) {
        return {
          path,
          message: `Found ID "${value}" from table \`${table}\`, which does not match the table name in validator \`v.id("${validator.tableName}")\`.${context(path)}`,
        };
      }
      return null;
    }
    case "array": {
      if (!Array.isArray(value)) return mismatch(path, value, validator);
      for (let i = 0; i < value.length; i++) {
        const failure = findMismatch(validator.value, value[i]!, `${path}[${i}]`);
        if (failure !== null) return failure;
      }
      return null;
    }
    case "record": {
      if (!isPlainObject(value)) return mismatch(path, value, validator);
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined) continue;
        const keyFailure = findMismatch(validator.keys as ValidatorJSON, key, `${path}.${key}`);
        if (keyFailure !== null) return keyFailure;
        const failure = findMismatch(validator.values.fieldType, item, `${path}.${key}`);
        if (failure !== null) return failure;
      }
      return null;
    }
    case "object": {
      if (!isPlainObject(value)) return mismatch(path, value, validator);
      const fields = validator.value as Record<string, FieldJSON>;
      for (const [name, field] of Object.entries(fields)) {
        if (value[name] !== undefined || field.optional) continue;
        return {
          path: `${path}.${name}`,
          message:
            `Object is missing the required field \`${name}\`. Consider wrapping the field validator in \`v.optional(...)\` if this is expected.\n` +
            `${context(path)}\nObject: ${displayValue(value)}\nValidator: ${displayValidator(validator)}`,
        };
      }
      for (const name of Object.keys(value)) {
        if (value[name] === undefined) continue;
        if (fields[name] === undefined) {
          return {
            path: `${path}.${name}`,
            message: `Object contains extra field \`${name}\` that is not in the validator.\n${context(path)}\nObject: ${displayValue(value)}\nValidator: ${displayValidator(validator)}`,
          };
        }
      }
      for (const [name, field] of Object.entries(fields)) {
        const item = value[name];
        if (item === undefined) continue;
        const failure = findMismatch(field.fieldType, item, `${path}.${name}`);
        if (failure !== null) return failure;
      }
      return null;
    }
    case "union":
      return validator.value.some((member) => findMismatch(member, value, path) === null) ? null : mismatch(path, value, validator);
    default:
      return null;
  }
}

/**
 * The error a deployment reports for arguments that fail the function's
 * validator (its message, and the path of the field it is about without the
 * leading dot: `rateLimit.requests`), or null when they pass.
 */
export function argumentValidationError(argsValidator: ValidatorJSON | null, args: Record<string, Value>): { message: string; field: string } | null {
  if (argsValidator === null) return null;
  const failure = findMismatch(argsValidator, args);
  if (failure === null) return null;
  return { message: `${ARGUMENT_VALIDATION_ERROR}: ${failure.message}`, field: failure.path.replace(/^\./, "") };
}

/** Parse the JSON a registered function's `exportArgs()` / `exportReturns()` gives (null = none declared). */
export function parseValidatorJson(text: unknown): ValidatorJSON | null {
  if (typeof text !== "string") return null;
  try {
    const parsed = JSON.parse(text) as JSONValue;
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) && typeof (parsed as { type?: unknown }).type === "string" ? (parsed as ValidatorJSON) : null;
  } catch {
    return null;
  }
}
