import { hostname } from "node:os";
import { KubeConfig } from "@kubernetes/client-node";
import { EventRecorder } from "@vmcp/kube-kit/events";
import { parseDuration, type VmcpConfig } from "@vmcp/shared-types";
import type { ResolvedSecrets } from "./config/load.ts";
import { KubernetesDiscovery } from "./discovery/kubernetes.ts";
import { startHealthMonitor } from "./health/attach.ts";
import type { HealthMonitor } from "./health/monitor.ts";
import type { Logger } from "./logger.ts";
import { BackendRegistry } from "./registry/registry.ts";
import { backendSpecsFromConfig } from "./server/from-config.ts";
import type { Gateway, GatewayOptions } from "./server/gateway.ts";
import { recordBackendTransition } from "./status/backend-events.ts";
import type { CrdBackendInput } from "./status/crd-status.ts";
import { K8sStatusReporter } from "./status/k8s-reporter.ts";

export { allowLoopbackBackends, kubernetesTarget } from "./kubernetes-target.ts";

export interface KubernetesModeOptions {
  config: VmcpConfig;
  secrets: ResolvedSecrets;
  target: { name: string; namespace: string };
  log: Logger;
  /** Defaults to KUBECONFIG / in-cluster ServiceAccount. */
  kc?: KubeConfig;
  /** Tests: shorter coalescing and secret refresh. */
  coalesceMs?: number;
  secretRefreshMs?: number;
  leaderElection?: boolean;
  /** Success slower than this is degraded (default 5 s). */
  degradedAfterMs?: number;
  /** MCPServerEntry backends may resolve to loopback: the operator's allowance for local
   * development (VMCP_ALLOW_LOOPBACK_BACKENDS=true, set by an operator run with
   * --allow-loopback-entries). Off: an entry resolving to 127/8 or ::1 is refused when dialled. */
  allowLoopbackBackends?: boolean;
  /** Tests: how often a repeated Event's series count is sent (default 60 s). */
  eventSeriesFlushMs?: number;
}

export interface KubernetesRuntime {
  mode: "dynamic" | "static";
  registry: BackendRegistry;
  discovery: KubernetesDiscovery | undefined;
  reporter: K8sStatusReporter;
  monitor: HealthMonitor | undefined;
  /** Adds the registry, the reporter and discovered auth (the catalog leaves out backends the
   * health monitor withdraws). */
  gatewayOptions(base: Omit<GatewayOptions, "registry">): GatewayOptions;
  /** Starts the health monitor on the gateway's state tracker and catalog. */
  attach(gateway: Gateway): void;
  stop(): Promise<void>;
}

/**
 * Composition of the Kubernetes-aware parts: discovery (dynamic mode: outgoingAuth.source
 * discovered) or the config's static backends, the health monitor, and the StatusReporter that
 * applies the VirtualMCPServer status. Resolves once the first discovery round is in the registry.
 */
export async function startKubernetesMode(o: KubernetesModeOptions): Promise<KubernetesRuntime> {
  const { config, target } = o;
  const log = o.log.child({ vmcp: `${target.namespace}/${target.name}` });
  const kc = o.kc ?? loadKubeConfig();
  const fh = config.operational.failureHandling;
  const registry = new BackendRegistry();
  const dynamic = config.outgoingAuth.source === "discovered";
  let discovery: KubernetesDiscovery | undefined;
  if (dynamic) {
    discovery = new KubernetesDiscovery({
      kc,
      namespace: target.namespace,
      group: config.groupRef,
      config,
      configSecrets: o.secrets,
      registry,
      log,
      secretRefreshMs: o.secretRefreshMs,
      allowLoopbackBackends: o.allowLoopbackBackends,
    });
    await discovery.start();
  } else {
    registry.replaceAll(backendSpecsFromConfig(config));
  }
  let monitor: HealthMonitor | undefined;
  let gateway: Gateway | undefined;

  const reporter = new K8sStatusReporter({
    kc,
    namespace: target.namespace,
    name: target.name,
    refreshMs: parseDuration(fh.statusReportingInterval),
    coalesceMs: o.coalesceMs,
    leaderElection: o.leaderElection,
    log,
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
      for (const p of discovery?.problems() ?? []) {
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
        aggregationError: gateway?.catalog.aggregationError,
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
    kc,
    reportingController: "vmcp-runtime",
    reportingInstance: hostname().slice(0, 128),
    logger: log,
    seriesFlushMs: o.eventSeriesFlushMs,
  });
  discovery?.onProblemsChanged(() => {
    if (gateway) reporter.report(gateway.status());
  });

  return {
    mode: dynamic ? "dynamic" : "static",
    registry,
    discovery,
    reporter,
    get monitor() {
      return monitor;
    },
    gatewayOptions(base) {
      return {
        ...base,
        registry,
        statusReporter: reporter,
        mode: dynamic ? "dynamic" : "static",
        outgoingAuth: discovery
          ? (spec) => (discovery as KubernetesDiscovery).outgoingAuth(spec)
          : base.outgoingAuth,
      };
    },
    attach(gw) {
      gateway = gw;
      reporter.setSource(() => gw.status());
      monitor = startHealthMonitor({
        gateway: gw,
        registry,
        failureHandling: fh,
        log,
        degradedAfterMs: o.degradedAfterMs,
      });
      monitor.onTransition((t) =>
        recordBackendTransition(
          { events, regarding: () => reporter.regarding(), isLeader: () => reporter.isLeader },
          t,
        ),
      );
    },
    async stop() {
      monitor?.stop();
      await events.flush();
      await discovery?.stop();
    },
  };
}

function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}
