import { createHash } from "node:crypto";
import { CONTENT_CHECKSUM_ANNOTATION } from "./names.ts";

const sortedEntries = (m: Record<string, string> | undefined): [string, string][] =>
  Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Hex SHA-256 over the sorted data pairs, then sorted labels, then sorted annotations (without the
 * checksum annotation itself), as ToolHive computes it. Each part is length-prefixed so moving
 * bytes between a key and its value changes the hash.
 */
export function contentChecksum(
  data: Record<string, string>,
  labels?: Record<string, string>,
  annotations?: Record<string, string>,
): string {
  const h = createHash("sha256");
  const feed = (section: string, entries: [string, string][]): void => {
    h.update(`${section}\n`);
    for (const [k, v] of entries) h.update(`${k.length}:${k}=${v.length}:${v}\n`);
  };
  feed("data", sortedEntries(data));
  feed("labels", sortedEntries(labels));
  feed(
    "annotations",
    sortedEntries(annotations).filter(([k]) => k !== CONTENT_CHECKSUM_ANNOTATION),
  );
  return h.digest("hex");
}
