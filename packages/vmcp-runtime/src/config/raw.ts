// Defensive readers for the raw YAML value: cross-field rules also run when the schema failed
// elsewhere, so they must not trust any shape.
export type Raw = Record<string, unknown>;

export function obj(v: unknown): Raw | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Raw) : undefined;
}
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}
export function entries(v: unknown): Array<[string, unknown]> {
  const o = obj(v);
  return o ? Object.entries(o) : [];
}
