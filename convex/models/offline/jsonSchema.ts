/**
 * The subset of JSON Schema the offline model reads (tool input schemas and
 * JSON response formats), and a value built to match a schema.
 */

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  items?: JsonSchema;
};

export function asSchema(value: unknown): JsonSchema {
  return typeof value === "object" && value !== null ? (value as JsonSchema) : {};
}

/** The schema's type, ignoring "null" in a union. */
export function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find((type) => type !== "null") : schema.type;
}

/** A value matching `schema`, with `text` in its string fields (for JSON response formats). */
export function jsonFromSchema(schema: JsonSchema, text: string): unknown {
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  switch (typeOf(schema)) {
    case "object":
    case undefined: {
      const properties = schema.properties;
      if (!properties) return typeOf(schema) === "object" ? {} : { answer: text };
      return Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, jsonFromSchema(property, text)]));
    }
    case "array":
      return schema.items ? [jsonFromSchema(schema.items, text)] : [];
    case "number":
    case "integer":
      return schema.default ?? schema.minimum ?? 0;
    case "boolean":
      return schema.default ?? false;
    case "null":
      return null;
    default:
      return text;
  }
}
