// Composite tools (ToolHive config.CompositeToolConfig): used inline in
// `config.compositeTools[]` and as the spec of VirtualMCPCompositeToolDefinition.
import * as z from "zod";
import { DurationSchema } from "./duration.ts";
import { boundedRecord, jsonObject, jsonValue, mapList, withMeta, withRule } from "./meta.ts";
import { ToolAnnotationsSchema, ToolNameSchema, ToolRefSchema } from "./refs.ts";

/** Limits from the composer; also bound the cost of the CEL rules below. */
export const MAX_STEPS = 100;
export const MAX_DEPENDS_ON = 20;
export const MAX_RETRY_COUNT = 10;
export const MAX_FOREACH_ITERATIONS = 1000;
export const MAX_FOREACH_PARALLEL = 50;

const STEP_ID_PATTERN = /^[a-zA-Z][a-zA-Z0-9_-]*$/;
const StepIdSchema = z.string().min(1).max(64).regex(STEP_ID_PATTERN, "must match ^[a-zA-Z][a-zA-Z0-9_-]*$");
const TemplateSchema = z.string().max(65536);

export const StepErrorHandlingSchema = withRule(
  z.strictObject({
    action: z
      .enum(["abort", "continue", "retry"])
      .default("abort")
      .describe("What to do: abort (default) fails the workflow; the other values are named by the enum."),
    retryCount: z
      .int32()
      .min(0)
      .max(MAX_RETRY_COUNT)
      .describe("Retries when action is retry; at least 1, at most 10.")
      .optional(),
    retryDelay: DurationSchema.describe("Wait between retries (Go duration, e.g. 500ms).").optional(),
  }),
  {
    rule: "self.action != 'retry' || (has(self.retryCount) && self.retryCount >= 1)",
    message: "retryCount must be at least 1 when action is retry",
    fieldPath: ".retryCount",
  },
  (v) => v.action !== "retry" || (v.retryCount ?? 0) >= 1,
);

/** What the workflow does when the user declines or cancels an elicitation. */
export const ElicitationResponseSchema = z.strictObject({
  action: z
    .enum(["skip_remaining", "abort", "continue"])
    .default("abort")
    .describe("What to do: abort (default) fails the workflow; the other values are named by the enum."),
});

/** The inner step of a forEach: always a tool call. */
export const ForEachInnerStepSchema = z.strictObject({
  id: StepIdSchema.describe(
    "Step id, unique in the workflow; other steps refer to it in dependsOn and templates.",
  ).optional(),
  type: z.enum(["tool"]).default("tool").describe("Step type: tool (default), elicitation or forEach."),
  tool: ToolRefSchema.describe("Tool to call: <workload>.<tool> or the tool's advertised name."),
  arguments: jsonObject().describe("Tool arguments; top-level string values are templates.").optional(),
  condition: TemplateSchema.describe("Template; the step runs only when it renders to true.").optional(),
  onError: StepErrorHandlingSchema.describe("Error handling for this step.").optional(),
  timeout: DurationSchema.describe("Time limit (Go duration); unset uses the workflow's.").optional(),
});

const ItemVarSchema = withRule(
  z
    .string()
    .max(63)
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an identifier"),
  { rule: "self != 'index'", message: "itemVar cannot be 'index'" },
  (v) => v !== "index",
);

const stepBase = z.strictObject({
  id: StepIdSchema.describe(
    "Step id, unique in the workflow; other steps refer to it in dependsOn and templates.",
  ),
  type: z
    .enum(["tool", "elicitation", "forEach"])
    .default("tool")
    .describe("Step type: tool (default), elicitation or forEach."),
  tool: ToolRefSchema.describe("Tool to call: <workload>.<tool> or the tool's advertised name.").optional(),
  arguments: withMeta(jsonObject(), {
    description: "Tool arguments; top-level string values are templates, other values pass through.",
  }).optional(),
  condition: TemplateSchema.describe("Template; the step runs only when it renders to true.").optional(),
  dependsOn: z
    .array(StepIdSchema)
    .max(MAX_DEPENDS_ON)
    .meta({ "x-kubernetes-list-type": "set" })
    .describe("Step ids that must finish before this step starts.")
    .optional(),
  onError: StepErrorHandlingSchema.describe("Error handling for this step.").optional(),
  message: z.string().max(65536).describe("Elicitation prompt shown to the user.").optional(),
  schema: withMeta(jsonObject(), { description: "JSON Schema of the elicitation response." }).optional(),
  timeout: DurationSchema.describe("Time limit (Go duration); unset uses the workflow's.").optional(),
  onDecline: ElicitationResponseSchema.describe(
    "What to do when the user declines the elicitation.",
  ).optional(),
  onCancel: ElicitationResponseSchema.describe(
    "What to do when the user cancels the elicitation.",
  ).optional(),
  defaultResults: withMeta(jsonObject(), {
    description: "Output used when the step is skipped, or failed with action continue.",
  }).optional(),
  collection: TemplateSchema.describe(
    "forEach: template rendering to the JSON array to iterate over.",
  ).optional(),
  itemVar: ItemVarSchema.describe("forEach: name of the current item in templates; default item.").optional(),
  maxParallel: z
    .int32()
    .min(1)
    .max(MAX_FOREACH_PARALLEL)
    .describe("forEach: iterations run at once.")
    .optional(),
  maxIterations: z
    .int32()
    .min(1)
    .max(MAX_FOREACH_ITERATIONS)
    .describe("forEach: most items processed; more fails the step.")
    .optional(),
  step: ForEachInnerStepSchema.describe("forEach: the tool step run for every item.").optional(),
});

type StepOut = z.output<typeof stepBase>;
const requires = (type: string, field: keyof StepOut & string, check: (s: StepOut) => boolean) =>
  [
    {
      rule: `self.type != '${type}' || has(self.${field})`,
      message: `${field} is required when type is ${type}`,
      fieldPath: `.${field}`,
      reason: "FieldValueRequired" as const,
    },
    (s: StepOut) => s.type !== type || check(s),
  ] as const;

let step = stepBase;
for (const [rule, check] of [
  requires("tool", "tool", (s) => s.tool !== undefined),
  requires("elicitation", "message", (s) => s.message !== undefined),
  requires("forEach", "collection", (s) => s.collection !== undefined),
  requires("forEach", "step", (s) => s.step !== undefined),
]) {
  step = withRule(step, rule, check);
}
export const WorkflowStepSchema = withRule(
  step,
  {
    rule: "!has(self.dependsOn) || !(self.id in self.dependsOn)",
    message: "a step cannot depend on itself",
    fieldPath: ".dependsOn",
  },
  (s) => !(s.dependsOn ?? []).includes(s.id),
);
export type WorkflowStep = z.output<typeof WorkflowStepSchema>;

/** Returns the ids on a dependency cycle, or undefined when the steps form a DAG. */
export function findDependencyCycle(steps: readonly { id: string; dependsOn?: string[] | undefined }[]) {
  const deps = new Map(steps.map((s) => [s.id, s.dependsOn ?? []]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === "done") return undefined;
    if (state.get(id) === "visiting") return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, "visiting");
    stack.push(id);
    for (const d of deps.get(id) ?? []) {
      if (!deps.has(d)) continue;
      const cycle = visit(d);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, "done");
    return undefined;
  };
  for (const s of steps) {
    const cycle = visit(s.id);
    if (cycle) return cycle;
  }
  return undefined;
}

export const WorkflowStepsSchema = mapList(WorkflowStepSchema, ["id"], MAX_STEPS)
  .min(1)
  .superRefine((steps, ctx) => {
    // Not in CEL: inside VirtualMCPServer.spec.config.compositeTools[] these checks exceed the API
    // server's cost budget, so zod (operator, runtime) reports them instead.
    const ids = new Set(steps.map((s) => s.id));
    steps.forEach((s, index) => {
      for (const d of s.dependsOn ?? []) {
        if (!ids.has(d)) {
          ctx.addIssue({
            code: "custom",
            message: `dependsOn names unknown step ${d}`,
            path: [index, "dependsOn"],
          });
        }
      }
    });
    const cycle = findDependencyCycle(steps);
    if (cycle) ctx.addIssue({ code: "custom", message: `dependency cycle: ${cycle.join(" -> ")}` });
  });

export const OUTPUT_TYPES = ["string", "integer", "number", "boolean", "object", "array"] as const;

export interface OutputProperty {
  type: (typeof OUTPUT_TYPES)[number];
  description?: string | undefined;
  value?: string | undefined;
  properties?: Record<string, OutputProperty> | undefined;
  default?: unknown;
}

export const OutputPropertySchema: z.ZodType<OutputProperty> = z.lazy(() =>
  z.strictObject({
    type: z.enum(OUTPUT_TYPES).describe("JSON type of the output property."),
    description: z.string().max(4096).describe("Human-readable description.").optional(),
    value: TemplateSchema.describe("Template producing this output value.").optional(),
    // Nested definitions are recursive: kept verbatim by the API server, validated by zod.
    properties: z
      .record(z.string(), OutputPropertySchema)
      .meta({ "x-kubernetes-preserve-unknown-fields": true })
      .describe("Nested properties when type is object; validated by the operator.")
      .optional(),
    default: jsonValue().describe("Value used when the template yields nothing.").optional(),
  }),
);

export const CompositeOutputSchema = withRule(
  z.strictObject({
    properties: boundedRecord(z.string().max(128), OutputPropertySchema, 64).describe(
      "Output properties by name.",
    ),
    required: z
      .array(z.string().max(128))
      .max(64)
      .meta({ "x-kubernetes-list-type": "set" })
      .describe("Output property names that must be present.")
      .optional(),
  }),
  {
    rule: "!has(self.required) || self.required.all(r, r in self.properties)",
    message: "every name in output.required must be declared in output.properties",
    fieldPath: ".required",
  },
  (o) => (o.required ?? []).every((r) => r in o.properties),
);

/** `parameters`: a JSON Schema whose top level is an object. */
export const CompositeParametersSchema = withMeta(
  z.looseObject({ type: z.enum(["object"]).describe("Must be object.") }),
  {
    description: "JSON Schema of the tool's input; its type must be object.",
  },
);

export const CompositeToolConfigSchema = z.strictObject({
  name: ToolNameSchema.describe("Tool name advertised to clients."),
  description: z.string().max(4096).describe("Human-readable description.").optional(),
  parameters: CompositeParametersSchema.optional(),
  timeout: DurationSchema.describe("Time limit (Go duration); unset uses the workflow's.").optional(),
  steps: WorkflowStepsSchema.describe("The workflow's steps."),
  output: CompositeOutputSchema.describe(
    "Shape of the tool's result; unset returns the last step's output.",
  ).optional(),
  annotations: ToolAnnotationsSchema.describe("MCP tool annotations advertised to clients.").optional(),
});
export type CompositeToolConfig = z.output<typeof CompositeToolConfigSchema>;
