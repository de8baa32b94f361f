import { hostname } from "node:os";
import type { KubeConnection } from "@vmcp/kube-kit/connection";
import { EventRecorder } from "@vmcp/kube-kit/events";
import { parseDuration, type VmcpConfig } from "@vmcp/shared-types";
import type { ResolvedSecrets } from "../config/load.ts";
import { KubernetesDiscovery } from "../discovery/kubernetes.ts";
import type { HealthMonitor } from "../health/monitor.ts";
import type { Logger } from "../logger.ts";
import { BackendRegistry } from "../registry/registry.ts";
import type { Catalog } from "../server/catalog.ts";
import { recordBackendTransition } from "../status/backend-events.ts";
import type { CrdBackendInput } from "../status/crd-status.ts";
import { K8sStatusReporter } from "../status/k8s-reporter.ts";
import type { RuntimeStatus } from "../status/types.ts";
import { type RuntimeSource, staticSource } from "./source.ts";

// Kubernetes mode's two stages: the source (discovery) and the reporters (CRD status, Events).
// Imported on demand: standalone mode never loads the Kubernetes code; in a pod, or with a
// kubeconfig that needs no plugin, client-node is not loaded either (kube-connection.ts).
export { connectToKubernetes } from "./kube-connection.ts";

export interface KubernetesDeps {
  target: { name: string; namespace: string };
  /** Defaults to the in-cluster ServiceAccount in a pod, else KUBECONFIG (kube-connection.ts). */
  kc?: KubeConnection;
  /** Tests: shorter coalescing and secret refresh. */
  coalesceMs?: number;
  secretRefreshMs?: number;
  leaderElection?: boolean;
  /** MCPServerEntry backends may resolve to loopback: the operator's allowance for local
   * development (VMCP_ALLOW_LOOPBACK_BACKENDS=true, set by an operator run with
   * --allow-loopback-entries). Off: an entry resolving to 127/8 or ::1 is refused when dialled. */
  allowLoopbackBackends?: boolean;
  /** Tests: how often a repeated Event's series count is sent (default 60 s). */
  eventSeriesFlushMs?: number;
}

/** Discovery (outgoingAuth.source discovered) or the config's static backends. Resolves once the
 * first discovery round is in the registry. */
export async function kubernetesSource(
  config: VmcpConfig,
  secrets: ResolvedSecrets,
  k: KubernetesDeps & { kc: KubeConnection },
  log: Logger,
): Promise<RuntimeSource> {
  if (config.outgoingAuth.source !== "discovered") return staticSource(config);
  const registry = new BackendRegistry();
  const discovery = new KubernetesDiscovery({
    kc: k.kc,
    namespace: k.target.namespace,
    group: config.groupRef,
    config,
    configSecrets: secrets,
    registry,
    log,
    secretRefreshMs: k.secretRefreshMs,
    allowLoopbackBackends: k.allowLoopbackBackends,
  });
  await discovery.start();
  return {
    mode: "dynamic",
    registry,
    outgoingAuth: (spec) => discovery.outgoingAuth(spec),
    problems: () => discovery.problems(),
    onProblemsChanged: (l) => void discovery.onProblemsChanged(l),
    stop: () => discovery.stop(),
  };
}

export interface KubernetesReporters {
  reporter: K8sStatusReporter;
  start(): Promise<void>;
  /** Final status flush and pending Events, after the gateway has drained. */
  stop(): Promise<void>;
}

/** The StatusReporter that applies the VirtualMCPServer status and the Events of backend
 * transitions, fed by the runtime snapshot and the health view. */
export function kubernetesReporters(o: {
  config: VmcpConfig;
  k: KubernetesDeps & { kc: KubeConnection };
  source: RuntimeSource;
  monitor: HealthMonitor | undefined;
  catalog: Catalog;
  snapshot: () => RuntimeStatus;
  log: Logger;
}): KubernetesReporters {
  const { k, source, monitor, catalog } = o;
  const registry = source.registry;
  const reporter = new K8sStatusReporter({
    kc: k.kc,
    namespace: k.target.namespace,
    name: k.target.name,
    refreshMs: parseDuration(o.config.operational.failureHandling.statusReportingInterval),
    coalesceMs: k.coalesceMs,
    leaderElection: k.leaderElection,
    log: o.log,
    snapshot: o.snapshot,
    toInput: (s) => {
      const backends: CrdBackendInput[] = s.backends.map((b) => {
        const snap = monitor?.snapshot(b.name);
        const spec = registry.get(b.name);
        return {
          name: b.name,
          url: b.url,
          health: b.health,
          authType: b.authType,
          authConfigRef: spec?.metadata?.auth_config_ref,
          message: b.message,
          lastCheck: b.lastCheckTime,
          circuitState: snap?.circuitState,
          circuitLastChanged:
            snap?.circuitLastChanged !== undefined
              ? new Date(snap.circuitLastChanged).toISOString()
              : undefined,
          consecutiveFailures: snap?.record.consecutiveFailures,
          protocolVersion: b.protocolVersion,
        };
      });
      for (const p of source.problems()) {
        if (backends.some((b) => b.name === p.name)) continue;
        backends.push({
          name: p.name,
          url: p.url,
          health: "unhealthy",
          authConfigRef: p.authConfigRef,
          message: p.message,
        });
      }
      return {
        backends,
        aggregationError: catalog.aggregationError,
        capabilities: {
          toolCount: s.toolCount,
          resourceCount: s.resourceCount,
          promptCount: s.promptCount,
          // Advertised ones only: an invalid definition is not part of the aggregate.
          compositeToolCount: s.compositeToolCount,
        },
        ready: s.ready,
        compositeToolProblems: s.compositeToolProblems,
      };
    },
  });
  const events = new EventRecorder({
    kc: k.kc,
    reportingController: "vmcp-runtime",
    reportingInstance: hostname().slice(0, 128),
    logger: o.log,
    seriesFlushMs: k.eventSeriesFlushMs,
  });
  source.onProblemsChanged(() => reporter.report(o.snapshot()));
  monitor?.onTransition((t) =>
    recordBackendTransition(
      { events, regarding: () => reporter.regarding(), isLeader: () => reporter.isLeader },
      t,
    ),
  );
  return {
    reporter,
    start: () => reporter.start(),
    async stop() {
      await reporter.stop();
      await events.flush();
    },
  };
}
