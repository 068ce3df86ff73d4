/**
 * A small JSON Schema checker for the subset the OpenAPI document uses
 * (`$ref` to components, type (or a list of types), properties, required,
 * additionalProperties, items, enum, const, oneOf, pattern, min/maxLength,
 * minimum, maxItems). Returns what is wrong, by path; [] when the value fits.
 */
type Schema = Record<string, unknown>;

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(actual: string, wanted: string): boolean {
  return actual === wanted || (wanted === "number" && actual === "integer");
}

export function schemaProblems(root: { components: { schemas: Record<string, unknown> } }, schema: Schema, value: unknown, path = "$"): string[] {
  const ref = schema.$ref;
  if (typeof ref === "string") {
    const name = ref.replace("#/components/schemas/", "");
    const target = root.components.schemas[name];
    if (target === undefined) return [`${path}: unresolved ${ref}`];
    return schemaProblems(root, target as Schema, value, path);
  }
  if (Array.isArray(schema.oneOf)) {
    const fitting = (schema.oneOf as Schema[]).filter((option) => schemaProblems(root, option, value, path).length === 0);
    return fitting.length === 1 ? [] : [`${path}: fits ${fitting.length} of the oneOf options, not exactly 1`];
  }
  const problems: string[] = [];
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const wanted = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!wanted.some((w) => typeMatches(actual, w))) return [`${path}: is ${actual}, wanted ${wanted.join(" or ")}`];
  }
  if ("const" in schema && value !== schema.const) problems.push(`${path}: is ${JSON.stringify(value)}, wanted ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === "string") {
    if (typeof schema.minLength === "number" && value.length < schema.minLength) problems.push(`${path}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === "number" && value.length > schema.maxLength) problems.push(`${path}: longer than ${schema.maxLength}`);
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) problems.push(`${path}: does not match ${schema.pattern}`);
  }
  if (typeof value === "number" && typeof schema.minimum === "number" && value < schema.minimum) problems.push(`${path}: under ${schema.minimum}`);
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) problems.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items !== undefined) value.forEach((item, i) => problems.push(...schemaProblems(root, schema.items as Schema, item, `${path}[${i}]`)));
  }
  if (actual === "object") {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) {
      if (!(name in object)) problems.push(`${path}: missing required ${name}`);
    }
    for (const [name, inner] of Object.entries(object)) {
      const property = properties[name];
      if (property !== undefined) problems.push(...schemaProblems(root, property, inner, `${path}.${name}`));
      else if (schema.additionalProperties === false) problems.push(`${path}: unexpected field ${name}`);
    }
  }
  return problems;
}
