// Coercion of rendered template strings to the JSON types a tool's input schema (or a composite
// tool's output declaration) asks for. Templates always render text, so "5" must become 5 for an
// integer parameter.

function schemaType(schema: unknown): string | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  const t = (schema as { type?: unknown }).type;
  if (typeof t === "string") return t;
  // ["integer", "null"] and the like: the first non-null type decides.
  if (Array.isArray(t)) return t.find((x): x is string => typeof x === "string" && x !== "null");
  return undefined;
}

/** The declared type of a top-level property of an object schema. */
export function propertyType(inputSchema: unknown, name: string): string | undefined {
  if (typeof inputSchema !== "object" || inputSchema === null) return undefined;
  const props = (inputSchema as { properties?: unknown }).properties;
  if (typeof props !== "object" || props === null) return undefined;
  return schemaType((props as Record<string, unknown>)[name]);
}

export type Coerced = { ok: true; value: unknown } | { ok: false };

/** Converts a value to `type`; strings are parsed, values already of the type pass through. */
export function coerceTo(value: unknown, type: string | undefined): Coerced {
  switch (type) {
    case undefined:
      return { ok: true, value };
    case "string":
      if (typeof value === "string") return { ok: true, value };
      if (typeof value === "number" || typeof value === "boolean") return { ok: true, value: String(value) };
      if (value === null || value === undefined) return { ok: false };
      return { ok: true, value: JSON.stringify(value) };
    case "integer":
    case "number": {
      let n: number | undefined;
      if (typeof value === "number") n = value;
      else if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value.trim()))) {
        n = Number(value.trim());
      } else if (typeof value === "boolean") n = value ? 1 : 0;
      if (n === undefined || (type === "integer" && !Number.isInteger(n))) return { ok: false };
      return { ok: true, value: n };
    }
    case "boolean":
      if (typeof value === "boolean") return { ok: true, value };
      if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) {
        return { ok: true, value: value.trim().toLowerCase() === "true" };
      }
      return { ok: false };
    case "object":
    case "array": {
      let v = value;
      if (typeof v === "string") {
        try {
          v = JSON.parse(v) as unknown;
        } catch {
          return { ok: false };
        }
      }
      const isArray = Array.isArray(v);
      const isObject = typeof v === "object" && v !== null && !isArray;
      return (type === "array" ? isArray : isObject) ? { ok: true, value: v } : { ok: false };
    }
    default:
      return { ok: true, value };
  }
}
