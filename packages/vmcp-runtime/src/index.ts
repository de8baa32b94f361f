export { runCli, USAGE } from "./cli.ts";
export { HealthMonitor } from "./health/monitor.ts";
export { PassiveHealth } from "./health/state.ts";
export type { HealthView, RuntimeHealth } from "./health/types.ts";
export { createLogger, type Logger } from "./logger.ts";
export { Metrics } from "./metrics.ts";
export { BackendRegistry } from "./registry/registry.ts";
export type { BackendSpec, BackendTransport, RegistryChange } from "./registry/types.ts";
export { createRuntime, type Runtime, type RuntimeDeps } from "./runtime/create.ts";
export {
  backendOptionsFromConfig,
  backendSpecsFromConfig,
  gatewayOptionsFromConfig,
} from "./server/from-config.ts";
export { Gateway, type GatewayOptions } from "./server/gateway.ts";
export * from "./status/index.ts";
