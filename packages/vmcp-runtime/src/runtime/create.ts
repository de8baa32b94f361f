import type { VmcpConfig } from "@vmcp/shared-types";
import type { ResolvedSecrets } from "../config/load.ts";
import { healthSettingsFromConfig } from "../health/settings.ts";
import type { Logger } from "../logger.ts";
import { Metrics } from "../metrics.ts";
import { backendOptionsFromConfig, gatewayOptionsFromConfig } from "../server/from-config.ts";
import { Gateway, type GatewayOptions } from "../server/gateway.ts";
import type { K8sStatusReporter } from "../status/k8s-reporter.ts";
import { LogStatusReporter } from "../status/log-reporter.ts";
import type { RuntimeStatus } from "../status/types.ts";
import type { KubernetesDeps } from "./kubernetes-mode.ts";
import { type RuntimeSource, staticSource } from "./source.ts";
import { type BackendStages, buildBackendStages } from "./stages.ts";

/** The I/O edges of a runtime: everything createRuntime does not read from the config. */
export interface RuntimeDeps {
  log: Logger;
  secrets: ResolvedSecrets;
  /** Kubernetes mode (discovery, CRD status, Events); undefined: standalone. */
  kubernetes?: KubernetesDeps | undefined;
  /** The base URL clients use, for OAuth protected-resource metadata (VMCP_PUBLIC_URL). */
  publicUrl?: string | undefined;
  /** Flag and environment overrides of the gateway's options (session storage, limits). */
  gateway?: Partial<Omit<GatewayOptions, "catalog" | "health">>;
  metrics?: Metrics;
  /** Tests: backoff for re-listing failed backends. */
  retry?: { initialMs: number; maxMs: number };
  /** Success slower than this is degraded (default 5 s). */
  degradedAfterMs?: number;
}

export interface Runtime extends BackendStages {
  source: RuntimeSource;
  gateway: Gateway;
  /** The Kubernetes status reporter (Kubernetes mode only). */
  reporter: K8sStatusReporter | undefined;
  /** Reporters first (they must see the first status), then listen and list the backends. */
  start(host: string, port: number): Promise<{ url: string; port: number }>;
  /** Drain the gateway, flush the reporters, then stop health checks, the source and the pool. */
  stop(graceMs?: number, delayMs?: number): Promise<void>;
}

interface Reporters {
  start(): Promise<void>;
  report(s: RuntimeStatus): void;
  stop(): Promise<void>;
}

/**
 * The runtime built in one place, in order: source (static config or Kubernetes discovery) ->
 * registry -> backend pool -> health -> catalog -> gateway -> status reporters. Each stage is
 * given the ones before it at construction and writes into none of them; the reporters
 * subscribe to the gateway's runtime snapshot.
 */
export async function createRuntime(config: VmcpConfig, deps: RuntimeDeps): Promise<Runtime> {
  const k8s = deps.kubernetes;
  const log = k8s ? deps.log.child({ vmcp: `${k8s.target.namespace}/${k8s.target.name}` }) : deps.log;
  // Imported on demand: standalone mode never loads the Kubernetes client.
  const kube = k8s ? await import("./kubernetes-mode.ts") : undefined;
  const kdeps =
    k8s && kube ? { ...k8s, kc: k8s.kc ?? (await kube.connectToKubernetes(process.env)) } : undefined;
  const source =
    kube && kdeps ? await kube.kubernetesSource(config, deps.secrets, kdeps, log) : staticSource(config);
  const backends = backendOptionsFromConfig(config, deps.secrets);
  const stages = buildBackendStages({
    ...backends,
    outgoingAuth: source.outgoingAuth ?? backends.outgoingAuth,
    registry: source.registry,
    log,
    retry: deps.retry,
    // Both modes run the same active checks and circuit breakers.
    health: healthSettingsFromConfig(config.operational.failureHandling, deps.degradedAfterMs),
  });
  const metrics = deps.metrics ?? new Metrics({ defaultMetrics: true });
  const gateway = new Gateway({
    ...gatewayOptionsFromConfig(config, { log, resourceUrl: deps.publicUrl }),
    ...deps.gateway,
    catalog: stages.catalog,
    health: stages.health,
    metrics,
    mode: source.mode,
  });
  const snapshot = () => gateway.status();
  let reporters: Reporters;
  let reporter: Runtime["reporter"];
  if (kube && kdeps) {
    const r = kube.kubernetesReporters({
      config,
      k: kdeps,
      source,
      monitor: stages.monitor,
      catalog: stages.catalog,
      snapshot,
      log,
    });
    reporter = r.reporter;
    // Both series from the start, so rate() sees the first error.
    for (const result of ["ok", "error"]) metrics.statusWrites.inc({ result }, 0);
    reporter.onWrite(() => metrics.statusWrites.inc({ result: "ok" }));
    reporter.onWriteError(() => metrics.statusWrites.inc({ result: "error" }));
    reporters = { start: r.start, report: (s) => r.reporter.report(s), stop: r.stop };
  } else {
    const logReporter = new LogStatusReporter(log);
    reporters = { start: async () => {}, report: (s) => logReporter.report(s), stop: async () => {} };
  }
  gateway.onStatus((s) => reporters.report(s));

  let stopped: Promise<void> | undefined;
  return {
    ...stages,
    source,
    gateway,
    reporter,
    async start(host, port) {
      await reporters.start();
      return gateway.start(host, port);
    },
    stop(graceMs = 0, delayMs = 0) {
      stopped ??= (async () => {
        await gateway.drain(graceMs, delayMs);
        await reporters.stop();
        stages.monitor?.stop();
        await source.stop();
        await stages.pool.closeAll();
      })();
      return stopped;
    },
  };
}
