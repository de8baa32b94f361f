// Composite tools: multi-step workflows advertised as one tool.
export { type DerivedAnnotations, deriveAnnotations, stepToolRefs } from "./annotations.ts";
export { coerceTo, propertyType } from "./coerce.ts";
export { buildOutput, errorResult, toCallToolResult } from "./output.ts";
export {
  DEFAULT_STEP_TIMEOUT_MS,
  DEFAULT_WORKFLOW_TIMEOUT_MS,
  MAX_PARALLEL_STEPS,
  type RunOptions,
  runWorkflow,
  stepResultState,
} from "./run.ts";
export {
  type CompositeCallContext,
  type CompositeDefinitionError,
  type CompositeDeps,
  type CompositeTools,
  CompositeValidationFailure,
  compositeToolAsMcpTool,
  createCompositeTools,
  validateCompositeTools,
} from "./tools.ts";
export type { ElicitRequest, ElicitResponse, ProgressUpdate, StepState, ToolInvoker } from "./types.ts";
export { WorkflowError } from "./types.ts";
