// Helpers that attach Kubernetes OpenAPI extensions to zod schemas, so one schema gives both the
// runtime validation (zod) and the CRD (crd/openapi.ts reads the metadata back).
import * as z from "zod";

/** One `x-kubernetes-validations` entry (CEL). */
export interface CelRule {
  rule: string;
  message: string;
  /** Relative JSON path from the node the rule sits on, e.g. ".oidcConfigRef". */
  fieldPath?: string;
  reason?: "FieldValueInvalid" | "FieldValueRequired" | "FieldValueForbidden" | "FieldValueDuplicate";
}

declare module "zod/v4/core" {
  interface GlobalMeta {
    "x-kubernetes-validations"?: CelRule[];
    "x-kubernetes-preserve-unknown-fields"?: boolean;
    "x-kubernetes-list-type"?: "atomic" | "set" | "map";
    "x-kubernetes-list-map-keys"?: string[];
    "x-kubernetes-map-type"?: "atomic" | "granular";
    /** Emitted as maxProperties on a record (bounds CEL cost estimates). */
    maxProperties?: number;
  }
}

function metaOf(schema: z.ZodType): z.GlobalMeta {
  return z.globalRegistry.get(schema) ?? {};
}

/** Adds metadata to a schema, keeping what is already there. */
export function withMeta<T extends z.ZodType>(schema: T, extra: z.GlobalMeta): T {
  return schema.meta({ ...metaOf(schema), ...extra }) as T;
}

function pathOf(fieldPath: string | undefined): string[] {
  if (!fieldPath) return [];
  return fieldPath.replace(/^\./, "").split(".");
}

/**
 * A cross-field rule: the CEL text goes into the CRD, `check` is the same rule in TypeScript so
 * zod parsing (operator, runtime config loader) rejects exactly what the API server rejects.
 */
export function withRule<T extends z.ZodType>(
  schema: T,
  cel: CelRule,
  check: (value: z.output<T>) => boolean,
): T {
  const meta = metaOf(schema);
  const rules = [...(meta["x-kubernetes-validations"] ?? []), cel];
  const refined = schema.refine(check, { message: cel.message, path: pathOf(cel.fieldPath) });
  return refined.meta({ ...meta, "x-kubernetes-validations": rules }) as T;
}

/** A list whose items are identified by `keys` (`x-kubernetes-list-type: map`); keys must be unique. */
export function mapList<T extends z.ZodType>(item: T, keys: string[], maxItems: number) {
  const list = z
    .array(item)
    .max(maxItems)
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((it, index) => {
        const rec = it as Record<string, unknown>;
        const key = JSON.stringify(keys.map((k) => rec[k]));
        if (seen.has(key)) {
          ctx.addIssue({
            code: "custom",
            message: `duplicate entry for key ${keys.join(",")}`,
            path: [index],
          });
        }
        seen.add(key);
      });
    });
  return list.meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": keys });
}

/** A list of unique scalars (`x-kubernetes-list-type: set`). */
export function setList<T extends z.ZodType>(item: T, maxItems: number) {
  const list = z
    .array(item)
    .max(maxItems)
    .superRefine((items, ctx) => {
      items.forEach((it, index) => {
        if (items.indexOf(it) !== index)
          ctx.addIssue({ code: "custom", message: "duplicate entry", path: [index] });
      });
    });
  return list.meta({ "x-kubernetes-list-type": "set" });
}

/** An ordered list replaced as a whole (`x-kubernetes-list-type: atomic`). */
export function atomicList<T extends z.ZodType>(item: T, maxItems: number) {
  return z.array(item).max(maxItems).meta({ "x-kubernetes-list-type": "atomic" });
}

/** Any JSON object (JSON Schema documents, tool arguments): kept verbatim by the API server. */
export function jsonObject() {
  return z.record(z.string(), z.unknown()).meta({ "x-kubernetes-preserve-unknown-fields": true });
}

/** Any JSON value (a default result, an output default). */
export function jsonValue() {
  return z.unknown().meta({ "x-kubernetes-preserve-unknown-fields": true });
}

/** A string-keyed map with at most `max` entries (maxProperties in the CRD). */
export function boundedRecord<K extends z.core.$ZodRecordKey, V extends z.ZodType>(
  key: K,
  value: V,
  max: number,
) {
  return z
    .record(key, value)
    .refine((m) => Object.keys(m).length <= max, { message: `must have at most ${max} entries` })
    .meta({ maxProperties: max });
}
