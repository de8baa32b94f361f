// The composite tool's result: built from `output` (typed properties, nested objects, required,
// defaults), or the last step's output when `output` is absent.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { CompositeToolConfig, OutputProperty } from "@vmcp/shared-types";
import { coerceTo } from "./coerce.ts";
import { renderValue } from "./templates.ts";
import { WorkflowError } from "./types.ts";

type OutputConfig = NonNullable<CompositeToolConfig["output"]>;

function buildProperty(
  name: string,
  p: OutputProperty,
  data: unknown,
): { present: boolean; value?: unknown } {
  let raw: unknown;
  if (p.value !== undefined) {
    try {
      raw = renderValue(p.value, data);
    } catch (e) {
      throw new WorkflowError("output", `output property "${name}": ${(e as Error).message}`);
    }
    // Go prints a missing value as "<no value>": treat that text as missing too.
    if (raw === "<no value>" || raw === "") raw = undefined;
  } else if (p.type === "object" && p.properties) {
    raw = buildProperties(p.properties, [], data, `${name}.`);
  }
  if (raw === undefined || raw === null) {
    return p.default !== undefined ? { present: true, value: p.default } : { present: false };
  }
  const c = coerceTo(raw, p.type);
  if (c.ok) return { present: true, value: c.value };
  if (p.default !== undefined) return { present: true, value: p.default };
  throw new WorkflowError(
    "output",
    `output property "${name}": cannot convert ${JSON.stringify(raw)} to ${p.type}`,
  );
}

function buildProperties(
  props: Record<string, OutputProperty>,
  required: readonly string[],
  data: unknown,
  prefix = "",
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(props)) {
    const r = buildProperty(prefix + name, p, data);
    if (r.present) out[name] = r.value;
    else if (required.includes(name)) {
      throw new WorkflowError("output", `required output property "${prefix + name}" has no value`);
    }
  }
  return out;
}

export function buildOutput(output: OutputConfig, data: unknown): Record<string, unknown> {
  return buildProperties(output.properties, output.required ?? [], data);
}

/** MCP result: structured content plus the same JSON as text for clients without structured output. */
export function toCallToolResult(value: unknown): CallToolResult {
  const structured =
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { result: value ?? null };
  return { content: [{ type: "text", text: JSON.stringify(structured) }], structuredContent: structured };
}

export function errorResult(message: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text: message }] };
}
