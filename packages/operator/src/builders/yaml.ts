import { stringify } from "yaml";

/** YAML with map keys sorted at every depth, so equal configs produce byte-identical files. */
export function deterministicYaml(value: unknown): string {
  return stringify(value, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false });
}
