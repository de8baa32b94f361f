// status.discoveredBackends[] of a VirtualMCPServer (ToolHive pkg/vmcp/types.go DiscoveredBackend),
// plus status.capabilities.
import * as z from "zod";
import { mapList } from "./meta.ts";

export const BACKEND_STATUSES = ["ready", "degraded", "unavailable", "unauthenticated", "unknown"] as const;
export const BackendStatusSchema = z.enum(BACKEND_STATUSES);
export type BackendStatus = z.output<typeof BackendStatusSchema>;

export const CIRCUIT_STATES = ["closed", "open", "half-open"] as const;

export const DiscoveredBackendSchema = z.strictObject({
  name: z.string().min(1).max(253),
  url: z.string().max(2048).optional(),
  status: BackendStatusSchema.optional(),
  authConfigRef: z.string().max(253).optional(),
  authType: z.string().max(64).optional(),
  lastHealthCheck: z.iso.datetime({ offset: true }).optional(),
  message: z.string().max(4096).optional(),
  circuitBreakerState: z.enum(CIRCUIT_STATES).optional(),
  circuitLastChanged: z.iso.datetime({ offset: true }).optional(),
  consecutiveFailures: z.int32().min(0).optional(),
  mcpRevision: z.string().max(32).optional(),
});
export type DiscoveredBackend = z.output<typeof DiscoveredBackendSchema>;

export const MAX_DISCOVERED_BACKENDS = 1024;
export const DiscoveredBackendsSchema = mapList(DiscoveredBackendSchema, ["name"], MAX_DISCOVERED_BACKENDS);

/** Counts of what the gateway advertises (the aggregate clients see). */
export const CapabilitiesSummarySchema = z.strictObject({
  toolCount: z.int32().min(0),
  resourceCount: z.int32().min(0),
  promptCount: z.int32().min(0),
  compositeToolCount: z.int32().min(0),
});
export type CapabilitiesSummary = z.output<typeof CapabilitiesSummarySchema>;
