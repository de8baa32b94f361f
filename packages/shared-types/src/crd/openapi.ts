// Turns a zod schema into a structural OpenAPI v3 schema for a CRD. It reads zod's own
// definitions plus the Kubernetes extensions attached with meta.ts. Anything it cannot map
// faithfully throws, so a schema change can never silently weaken the CRD.
import * as z from "zod";
import type { CelRule } from "../meta.ts";

export interface JSONSchemaProps {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  additionalProperties?: JSONSchemaProps;
  items?: JSONSchemaProps;
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
  "x-kubernetes-validations"?: CelRule[];
}

interface Check {
  check: string;
  minimum?: number;
  maximum?: number;
  value?: number;
  inclusive?: boolean;
  format?: string;
  pattern?: RegExp;
}

type AnyDef = z.core.$ZodTypeDef & {
  innerType?: z.ZodType;
  defaultValue?: unknown;
  getter?: () => z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  entries?: Record<string, string | number>;
  values?: unknown[];
  format?: string;
  checks?: { _zod: { def: Check } }[];
};

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function defOf(schema: z.ZodType): AnyDef {
  return schema._zod.def as AnyDef;
}

function checksOf(def: AnyDef): Check[] {
  return (def.checks ?? []).map((c) => c._zod.def);
}

function fail(path: string, why: string): never {
  throw new Error(`crd schema at ${path || "<root>"}: ${why}`);
}

function applyMeta(out: JSONSchemaProps, schema: z.ZodType): JSONSchemaProps {
  const meta = z.globalRegistry.get(schema);
  if (!meta) return out;
  if (typeof meta.description === "string") out.description = meta.description;
  if (typeof meta.maxProperties === "number") out.maxProperties = meta.maxProperties;
  for (const key of [
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-validations",
  ] as const) {
    const value = meta[key];
    if (value !== undefined) (out as Record<string, unknown>)[key] = structuredClone(value);
  }
  return out;
}

function preservesUnknown(schema: z.ZodType): boolean {
  return z.globalRegistry.get(schema)?.["x-kubernetes-preserve-unknown-fields"] === true;
}

function stringProps(def: AnyDef, path: string): JSONSchemaProps {
  const out: JSONSchemaProps = { type: "string" };
  if (def.format === "datetime") out.format = "date-time";
  else if (def.format !== undefined) fail(path, `unsupported string format ${def.format}`);
  for (const c of checksOf(def)) {
    if (c.check === "min_length") out.minLength = c.minimum as number;
    else if (c.check === "max_length") out.maxLength = c.maximum as number;
    else if (c.check === "string_format" && c.format === "regex" && c.pattern) {
      if (out.pattern) fail(path, "more than one regex");
      out.pattern = c.pattern.source;
    } else if (c.check === "string_format" && c.format === "datetime") out.format = "date-time";
    else if (c.check !== "custom") fail(path, `unsupported string check ${c.check}`);
  }
  return out;
}

function numberProps(def: AnyDef, path: string): JSONSchemaProps {
  const out: JSONSchemaProps =
    def.format === "int32"
      ? { type: "integer", format: "int32" }
      : def.format === "safeint"
        ? { type: "integer", format: "int64" }
        : def.format === undefined
          ? { type: "number" }
          : fail(path, `unsupported number format ${def.format}`);
  for (const c of checksOf(def)) {
    if (c.check === "greater_than") {
      if (out.format === "int32" && c.value === INT32_MIN) continue;
      out.minimum = c.value as number;
      if (!c.inclusive) out.exclusiveMinimum = true;
    } else if (c.check === "less_than") {
      if (out.format === "int32" && c.value === INT32_MAX) continue;
      out.maximum = c.value as number;
      if (!c.inclusive) out.exclusiveMaximum = true;
    } else if (c.check !== "custom") fail(path, `unsupported number check ${c.check}`);
  }
  return out;
}

/** Converts one zod schema node (and its children) into OpenAPI. */
export function toOpenApi(schema: z.ZodType, path = ""): JSONSchemaProps {
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
      return applyMeta(toOpenApi(def.innerType as z.ZodType, path), schema);
    case "default": {
      const inner = toOpenApi(def.innerType as z.ZodType, path);
      inner.default = structuredClone(def.defaultValue);
      return applyMeta(inner, schema);
    }
    case "prefault": {
      // The API server validates a default as written (nested defaults are not applied to it), so
      // the CRD carries the fully defaulted value zod would produce.
      const innerType = def.innerType as z.ZodType;
      const inner = toOpenApi(innerType, path);
      inner.default = innerType.parse(def.defaultValue);
      return applyMeta(inner, schema);
    }
    case "lazy":
      return applyMeta(toOpenApi((def.getter as () => z.ZodType)(), path), schema);
    case "string":
      return applyMeta(stringProps(def, path), schema);
    case "number":
      return applyMeta(numberProps(def, path), schema);
    case "boolean":
      return applyMeta({ type: "boolean" }, schema);
    case "enum":
      return applyMeta({ type: "string", enum: Object.values(def.entries ?? {}) }, schema);
    case "literal": {
      const values = def.values ?? [];
      if (!values.every((v) => typeof v === "string")) fail(path, "only string literals are supported");
      return applyMeta({ type: "string", enum: [...values] }, schema);
    }
    case "unknown":
    case "any":
      if (!preservesUnknown(schema)) fail(path, "untyped value without x-kubernetes-preserve-unknown-fields");
      return applyMeta({}, schema);
    case "array": {
      const out: JSONSchemaProps = { type: "array", items: toOpenApi(def.element as z.ZodType, `${path}[]`) };
      for (const c of checksOf(def)) {
        if (c.check === "min_length") out.minItems = c.minimum as number;
        else if (c.check === "max_length") out.maxItems = c.maximum as number;
        else if (c.check !== "custom") fail(path, `unsupported array check ${c.check}`);
      }
      return applyMeta(out, schema);
    }
    case "record": {
      if (preservesUnknown(schema)) return applyMeta({ type: "object" }, schema);
      return applyMeta(
        { type: "object", additionalProperties: toOpenApi(def.valueType as z.ZodType, `${path}.*`) },
        schema,
      );
    }
    case "object": {
      const properties: Record<string, JSONSchemaProps> = {};
      const required: string[] = [];
      for (const [key, child] of Object.entries(def.shape ?? {})) {
        properties[key] = toOpenApi(child, `${path}.${key}`);
        // optin is "optional" or "defaulted" when the input may omit the key.
        if (child._zod.optin === undefined) required.push(key);
      }
      const out: JSONSchemaProps = { type: "object", properties };
      if (required.length > 0) out.required = required.sort();
      const catchall = def.catchall ? defOf(def.catchall).type : undefined;
      if (catchall === "unknown") out["x-kubernetes-preserve-unknown-fields"] = true;
      else if (catchall !== undefined && catchall !== "never") fail(path, `unsupported catchall ${catchall}`);
      return applyMeta(out, schema);
    }
    default:
      return fail(path, `unsupported zod type ${def.type}`);
  }
}
