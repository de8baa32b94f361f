/** A JSON object: not null and not an array, what `JSON.parse` yields for `{...}`. */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
