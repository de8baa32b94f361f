// A checker for the Kubernetes structural-schema rules the generator must respect
// (apiextensions "Specifying a structural schema"), plus the project's own conventions.
import type { JSONSchemaProps } from "../../src/crd/openapi.ts";

const ALLOWED_KEYS = new Set([
  "type",
  "format",
  "description",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "default",
  "pattern",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "maxProperties",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "x-kubernetes-validations",
]);

/** Returns one message per violation; [] means structural. */
export function structuralViolations(node: JSONSchemaProps, path = ""): string[] {
  const out: string[] = [];
  const at = path || "<root>";
  for (const key of Object.keys(node)) if (!ALLOWED_KEYS.has(key)) out.push(`${at}: unexpected key ${key}`);
  const preserve = node["x-kubernetes-preserve-unknown-fields"] === true;
  if (!node.type && !preserve) out.push(`${at}: no type`);
  if (node.properties && node.additionalProperties)
    out.push(`${at}: properties next to additionalProperties`);
  if (node.type === "array" && !node.items) out.push(`${at}: array without items`);
  if (node.type !== "array" && (node.items || node["x-kubernetes-list-type"]))
    out.push(`${at}: items/list-type on a non-array`);
  if (node.type !== "object" && (node.properties || node.additionalProperties))
    out.push(`${at}: properties on a non-object`);
  for (const r of node.required ?? [])
    if (!node.properties?.[r]) out.push(`${at}: required ${r} is not a property`);
  const listType = node["x-kubernetes-list-type"];
  const keys = node["x-kubernetes-list-map-keys"];
  if (listType === "map") {
    const item = node.items;
    if (!keys?.length) out.push(`${at}: list-type map without keys`);
    for (const k of keys ?? []) {
      const prop = item?.properties?.[k];
      if (!prop) out.push(`${at}: map key ${k} is not an item property`);
      else if (!["string", "integer", "number", "boolean"].includes(prop.type ?? ""))
        out.push(`${at}: map key ${k} not scalar`);
      else if (!(item?.required ?? []).includes(k) && prop.default === undefined)
        out.push(`${at}: map key ${k} optional`);
    }
  } else if (keys) out.push(`${at}: list-map-keys without list-type map`);
  if (listType === "set" && node.items?.type === "object") out.push(`${at}: set of objects`);
  for (const rule of node["x-kubernetes-validations"] ?? []) {
    if (!rule.rule || !rule.message) out.push(`${at}: CEL rule without rule or message`);
  }
  if (node.pattern) {
    try {
      new RegExp(node.pattern);
    } catch {
      out.push(`${at}: bad pattern`);
    }
  }
  for (const [k, child] of Object.entries(node.properties ?? {}))
    out.push(...structuralViolations(child, `${path}.${k}`));
  if (node.items) out.push(...structuralViolations(node.items, `${path}[]`));
  if (node.additionalProperties) out.push(...structuralViolations(node.additionalProperties, `${path}{}`));
  return out;
}

/** Every path whose node preserves unknown fields. */
export function preservedPaths(node: JSONSchemaProps, path = ""): string[] {
  const here = node["x-kubernetes-preserve-unknown-fields"] ? [path] : [];
  return [
    ...here,
    ...Object.entries(node.properties ?? {}).flatMap(([k, c]) => preservedPaths(c, `${path}.${k}`)),
    ...(node.items ? preservedPaths(node.items, `${path}[]`) : []),
    ...(node.additionalProperties ? preservedPaths(node.additionalProperties, `${path}{}`) : []),
  ];
}

/** Walks to a node by dotted path ("spec.config.aggregation"); [] steps into items. */
export function nodeAt(root: JSONSchemaProps, path: string): JSONSchemaProps | undefined {
  let node: JSONSchemaProps | undefined = root;
  for (const part of path.split(".")) {
    if (!node) return undefined;
    if (part === "[]") node = node.items;
    else if (part === "{}") node = node.additionalProperties;
    else node = node.properties?.[part];
  }
  return node;
}
