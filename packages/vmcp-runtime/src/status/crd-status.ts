import { isDeepStrictEqual } from "node:util";
import type { CapabilitiesSummary, Condition, DiscoveredBackend } from "@vmcp/shared-types";
import { redact } from "@vmcp/shared-types";
import { isRoutable, runtimePhase } from "./phase.ts";
import type { BackendHealth, RuntimePhase } from "./types.ts";

/** The status fields the runtime owns on its VirtualMCPServer (field manager vmcp-runtime). The
 * top-level observedGeneration, `url` and the infrastructure conditions belong to the operator. */
export interface RuntimeCrdStatus {
  phase: RuntimePhase;
  message: string;
  backendCount: number;
  discoveredBackends: DiscoveredBackend[];
  capabilities: CapabilitiesSummary;
  conditions: Condition[];
}

export const RUNTIME_CONDITIONS = [
  "Ready",
  "BackendsDiscovered",
  "Degraded",
  "CompositeToolsUnavailable",
] as const;

/**
 * The operator's conditions the runtime's Ready depends on (the operator owns them, the runtime
 * reads them from the watched object): a runtime that serves while its Deployment has no
 * available replica yet, or whose Service or spec is not there, is not Ready for a client.
 */
export const READY_DEPENDS_ON = ["Valid", "DeploymentReady", "ServiceReady"] as const;

export interface CrdBackendInput {
  name: string;
  url: string;
  health: BackendHealth;
  authType?: string | undefined;
  authConfigRef?: string | undefined;
  message?: string | undefined;
  /** ISO time of the last check. */
  lastCheck?: string | undefined;
  circuitState?: "closed" | "open" | "half-open" | undefined;
  circuitLastChanged?: string | undefined;
  consecutiveFailures?: number | undefined;
  protocolVersion?: string | undefined;
}

export interface CrdStatusInput {
  backends: CrdBackendInput[];
  capabilities: CapabilitiesSummary;
  generation: number | undefined;
  /** Our conditions as last applied, to keep lastTransitionTime when a status did not change. */
  previousConditions: Condition[];
  now: string;
  /** The aggregate could not be rebuilt (e.g. a manual-strategy clash); the last good one serves. */
  aggregationError?: string | undefined;
  /** Composite definitions the runtime leaves out (e.g. a step names a tool no backend has). */
  compositeToolProblems?: string[] | undefined;
  /** RuntimeStatus.ready (the reporter writes nothing before it, so normally true). */
  ready?: boolean | undefined;
  /** The live object's conditions of other writers (the operator's), read for READY_DEPENDS_ON. */
  operatorConditions?: readonly Condition[] | undefined;
}

/**
 * DeploymentReady reasons that describe a rollout of a new pod template that cannot finish (a
 * missing image, a passed progress deadline) while the replicas already available keep serving:
 * the server is Ready and the condition tells the rollout's story beside it.
 */
const ROLLOUT_ONLY_REASONS: ReadonlySet<string> = new Set(["ImagePullFailed", "DeploymentFailed"]);

/** The first READY_DEPENDS_ON condition the operator has set False, if any. */
export function readyBlocker(conditions: readonly Condition[] | undefined): Condition | undefined {
  for (const type of READY_DEPENDS_ON) {
    const c = conditions?.find((x) => x.type === type);
    if (c?.status !== "False") continue;
    if (type === "DeploymentReady" && ROLLOUT_ONLY_REASONS.has(c.reason ?? "")) continue;
    return c;
  }
  return undefined;
}

/** The runtime's view as CRD status, field for field as ToolHive's ToCRDStatus. */
export function crdBackendStatus(h: BackendHealth): DiscoveredBackend["status"] {
  switch (h) {
    case "healthy":
      return "ready";
    case "degraded":
      return "degraded";
    case "unhealthy":
      return "unavailable";
    case "unauthenticated":
      return "unauthenticated";
    default:
      return "unknown";
  }
}

export { isRoutable, runtimePhase } from "./phase.ts";

function condition(
  type: string,
  status: "True" | "False",
  reason: string,
  message: string,
  inp: CrdStatusInput,
): Condition {
  const prev = inp.previousConditions.find((c) => c.type === type);
  const c: Condition = {
    type,
    status,
    reason,
    message,
    lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : inp.now,
  };
  if (inp.generation !== undefined) c.observedGeneration = inp.generation;
  return c;
}

/** Pure: what the runtime applies to status. discoveredBackends sorted by name. */
export function buildCrdStatus(inp: CrdStatusInput): RuntimeCrdStatus {
  const backends = [...inp.backends].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // The same rule as /status (src/status/phase.ts), so the two never disagree.
  const own = runtimePhase({
    ready: inp.ready,
    backends,
    aggregationError: inp.aggregationError,
  });
  // Ready only when the operator's side is too: otherwise `kubectl get` showed Ready=True beside
  // DeploymentReady=False while the pod served before its Deployment counted it available.
  const blocker = own.phase === "Ready" ? readyBlocker(inp.operatorConditions) : undefined;
  const { phase, message, reason } = blocker
    ? {
        phase: "Pending" as const,
        message: `Serving, waiting for ${blocker.type}: ${blocker.message}`,
        reason: blocker.reason,
      }
    : own;
  const discovered = backends.map((b) => {
    const d: DiscoveredBackend = { name: b.name, url: b.url, status: crdBackendStatus(b.health) };
    if (b.authConfigRef) d.authConfigRef = b.authConfigRef;
    if (b.authType) d.authType = b.authType;
    if (b.lastCheck) d.lastHealthCheck = b.lastCheck;
    if (b.message) d.message = redact(b.message, 1024);
    if (b.circuitState) d.circuitBreakerState = b.circuitState;
    if (b.circuitLastChanged) d.circuitLastChanged = b.circuitLastChanged;
    if (b.consecutiveFailures !== undefined) d.consecutiveFailures = b.consecutiveFailures;
    if (b.protocolVersion) d.mcpRevision = b.protocolVersion;
    return d;
  });
  const degraded = backends.filter((b) => b.health === "degraded").length;
  const conditions: Condition[] = [
    condition("Ready", phase === "Ready" ? "True" : "False", reason, redact(message), inp),
    condition(
      "BackendsDiscovered",
      "True",
      "BackendsDiscovered",
      backends.length === 0 ? "No backends configured" : `Discovered ${backends.length} backends`,
      inp,
    ),
  ];
  if (degraded > 0)
    conditions.push(condition("Degraded", "True", "BackendsDegraded", `${degraded} backends degraded`, inp));
  // Our extension (ToolHive has no runtime condition for this): present only while some composite
  // definition is left out, so a typo in a step's tool is visible on the resource.
  const composite = inp.compositeToolProblems ?? [];
  if (composite.length > 0)
    conditions.push(
      condition(
        "CompositeToolsUnavailable",
        "True",
        "CompositeToolInvalid",
        composite.join("; ").slice(0, 4096),
        inp,
      ),
    );
  return {
    phase,
    message,
    backendCount: backends.filter((b) => isRoutable(b.health)).length,
    discoveredBackends: discovered,
    capabilities: inp.capabilities,
    conditions,
  };
}

/** The runtime's fields of a live status (what another reader of the object would compare). */
export function extractRuntimeStatus(
  live: Record<string, unknown> | undefined,
): RuntimeCrdStatus | undefined {
  if (!live) return undefined;
  const conds = Array.isArray(live.conditions) ? (live.conditions as Condition[]) : [];
  return {
    phase: live.phase as RuntimePhase,
    message: (live.message as string) ?? "",
    backendCount: (live.backendCount as number) ?? 0,
    discoveredBackends: (live.discoveredBackends as DiscoveredBackend[]) ?? [],
    capabilities: live.capabilities as CapabilitiesSummary,
    conditions: conds.filter((c) => (RUNTIME_CONDITIONS as readonly string[]).includes(c.type)),
  };
}

function withoutVolatile(s: RuntimeCrdStatus): unknown {
  return {
    ...s,
    // Both change on every check of a failing backend: refreshed with the periodic refresh only.
    discoveredBackends: s.discoveredBackends.map(
      ({ lastHealthCheck: _l, consecutiveFailures: _f, ...rest }) => rest,
    ),
    conditions: [...s.conditions]
      .sort((a, b) => (a.type < b.type ? -1 : 1))
      .map((c) => ({ ...c, lastTransitionTime: normTime(c.lastTransitionTime) })),
  };
}

function normTime(t: string | undefined): string | undefined {
  if (!t) return t;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? t : new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

export type WriteDecision = { write: "now" } | { write: "later"; atMs: number } | { write: "never" };

/**
 * Coalescing rule: a real change goes out now; a status whose only difference is
 * `lastHealthCheck` or `consecutiveFailures` goes out at most every `refreshMs` after the last
 * write; nothing else is sent.
 */
export function decideWrite(
  desired: RuntimeCrdStatus,
  current: RuntimeCrdStatus | undefined,
  lastWriteMs: number | undefined,
  nowMs: number,
  refreshMs: number,
): WriteDecision {
  if (!current || !isDeepStrictEqual(withoutVolatile(desired), withoutVolatile(current)))
    return { write: "now" };
  const volatileDiffers = desired.discoveredBackends.some((b, i) => {
    const c = current.discoveredBackends[i];
    return (
      normTime(b.lastHealthCheck) !== normTime(c?.lastHealthCheck) ||
      b.consecutiveFailures !== c?.consecutiveFailures
    );
  });
  if (!volatileDiffers) return { write: "never" };
  const due = (lastWriteMs ?? 0) + refreshMs;
  return due <= nowMs ? { write: "now" } : { write: "later", atMs: due };
}
