// Every field of a generated CRD must say what it does: `kubectl explain` shows nothing else.
import type { CustomResourceDefinition } from "./build.ts";
import type { JSONSchemaProps } from "./openapi.ts";

/** Paths (Kind.spec.a.b, `[]` for list items, `{}` for map values) of fields without a description. */
export function undescribedFields(crd: CustomResourceDefinition): string[] {
  const out: string[] = [];
  const walk = (s: JSONSchemaProps | undefined, path: string): void => {
    if (!s) return;
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      if (!v.description) out.push(`${path}.${k}`);
      walk(v, `${path}.${k}`);
    }
    walk(s.items, `${path}[]`);
    if (typeof s.additionalProperties === "object") walk(s.additionalProperties, `${path}{}`);
  };
  const root = crd.spec.versions[0]?.schema.openAPIV3Schema;
  for (const part of ["spec", "status"] as const)
    walk(root?.properties?.[part], `${crd.spec.names.kind}.${part}`);
  return out;
}
