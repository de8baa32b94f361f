export { BackendStateTracker } from "./backends/state.ts";
export { runCli, USAGE } from "./cli.ts";
export { createLogger, type Logger } from "./logger.ts";
export { Metrics } from "./metrics.ts";
export { BackendRegistry } from "./registry/registry.ts";
export type { BackendSpec, BackendTransport, RegistryChange } from "./registry/types.ts";
export { backendSpecsFromConfig, gatewayOptionsFromConfig } from "./server/from-config.ts";
export { Gateway, type GatewayOptions } from "./server/gateway.ts";
export * from "./status/index.ts";
