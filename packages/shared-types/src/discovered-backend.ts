// status.discoveredBackends[] of a VirtualMCPServer (ToolHive pkg/vmcp/types.go DiscoveredBackend),
// plus status.capabilities.
import * as z from "zod";
import { mapList } from "./meta.ts";

export const BACKEND_STATUSES = ["ready", "degraded", "unavailable", "unauthenticated", "unknown"] as const;
export const BackendStatusSchema = z.enum(BACKEND_STATUSES);
export type BackendStatus = z.output<typeof BackendStatusSchema>;

export const CIRCUIT_STATES = ["closed", "open", "half-open"] as const;

export const DiscoveredBackendSchema = z.strictObject({
  name: z.string().min(1).max(253).describe("Backend (workload) name."),
  url: z.string().max(2048).describe("URL the gateway calls.").optional(),
  status: BackendStatusSchema.describe("Health as the runtime last saw it.").optional(),
  authConfigRef: z.string().max(253).describe("MCPExternalAuthConfig used for this backend.").optional(),
  authType: z.string().max(64).describe("Outgoing auth strategy used for this backend.").optional(),
  lastHealthCheck: z.iso.datetime({ offset: true }).describe("Time of the last health check.").optional(),
  message: z.string().max(4096).describe("Why the backend is in its status.").optional(),
  circuitBreakerState: z.enum(CIRCUIT_STATES).describe("Circuit breaker state.").optional(),
  circuitLastChanged: z.iso
    .datetime({ offset: true })
    .describe("When the circuit breaker state last changed.")
    .optional(),
  consecutiveFailures: z.int32().min(0).describe("Failed requests or checks in a row.").optional(),
  mcpRevision: z.string().max(32).describe("Hash of the backend's advertised capabilities.").optional(),
});
export type DiscoveredBackend = z.output<typeof DiscoveredBackendSchema>;

export const MAX_DISCOVERED_BACKENDS = 1024;
export const DiscoveredBackendsSchema = mapList(DiscoveredBackendSchema, ["name"], MAX_DISCOVERED_BACKENDS);

/** Counts of what the gateway advertises (the aggregate clients see). */
export const CapabilitiesSummarySchema = z.strictObject({
  toolCount: z.int32().min(0).describe("Tools advertised."),
  resourceCount: z.int32().min(0).describe("Resources advertised."),
  promptCount: z.int32().min(0).describe("Prompts advertised."),
  compositeToolCount: z.int32().min(0).describe("Composite tools advertised."),
});
export type CapabilitiesSummary = z.output<typeof CapabilitiesSummarySchema>;
