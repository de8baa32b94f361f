import { createHash } from "node:crypto";

/** JSON with object keys sorted at every level, so equal values always serialise the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value));
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortDeep(v);
    }
    return out;
  }
  return value;
}

/** Stable content hash (sha256 hex of canonical JSON): key order and undefined fields do not matter. */
export function stableHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

/** The `configHash` of a config CRD (MCPExternalAuthConfig, MCPToolConfig): a stable hash of its spec. */
export function configHash(spec: unknown): string {
  return stableHash(spec ?? {});
}
