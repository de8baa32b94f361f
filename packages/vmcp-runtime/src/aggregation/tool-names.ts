import { createHash } from "node:crypto";

/** Tool names many MCP clients accept. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
export const DEFAULT_PREFIX_FORMAT = "{workload}_";

export function isValidToolName(name: string): boolean {
  return TOOL_NAME_PATTERN.test(name);
}

/** `{workload}` is the only placeholder ToolHive defines; it may appear several times. */
export function applyPrefix(prefixFormat: string, workload: string, name: string): string {
  return prefixFormat.replaceAll("{workload}", workload) + name;
}

/**
 * Maps any name onto the accepted pattern. Invalid characters become "_"; over-long names keep a
 * readable head plus a hash of the full name so two long names sharing a head stay distinct.
 */
export function sanitizeToolName(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_-]/g, "_");
  if (out.length === 0) out = "tool";
  if (out.length > 64) {
    const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
    out = `${out.slice(0, 55)}_${hash}`;
  }
  return out;
}

/** Code-unit order: locale-independent, so output is identical on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
