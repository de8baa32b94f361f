export { computeStatus, type StatusInputs, statusFingerprint } from "./compute.ts";
export { LogStatusReporter } from "./log-reporter.ts";
export { MemoryStatusReporter } from "./memory-reporter.ts";
export { isRoutable, type PhaseInput, type PhaseVerdict, runtimePhase } from "./phase.ts";
export type { BackendHealth, BackendStatus, RuntimePhase, RuntimeStatus, StatusReporter } from "./types.ts";
