import { hostname } from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import { EventRecorder } from "@vmcp/kube-kit/events";
import { type LeaderElection, runLeaderElection } from "@vmcp/kube-kit/leader";
import { createLogger, type Logger } from "@vmcp/kube-kit/logger";
import { createMetrics, type OperatorMetrics } from "@vmcp/kube-kit/metrics";
import { DEFAULT_VMCP_IMAGE } from "./builders/names.ts";
import { DEFAULT_CONTROLLERS } from "./controllers/index.ts";
import type { ControllerContext, ControllerFactory } from "./kit/context.ts";
import type { Controller } from "./kit/controller.ts";
import { type HealthServer, startHealthServer } from "./kit/health-server.ts";
import { InformerRegistry } from "./kit/informers.ts";
import { registerOperatorGauges } from "./observability.ts";

export { DEFAULT_VMCP_IMAGE };
export const DEFAULT_LEASE_NAME = "vmcp-operator-leader";
/** Workers per controller: enough to keep a cluster's apiserver busy during a mass create. */
export const DEFAULT_CONCURRENCY = 8;

export interface LeaderElectionSettings {
  namespace: string;
  name?: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface OperatorOptions {
  kc: KubeConfig;
  vmcpImage?: string;
  /** Watch scope; undefined or "" = all namespaces. */
  namespace?: string;
  allowLoopbackEntries?: boolean;
  /** Workers per controller (default DEFAULT_CONCURRENCY). */
  concurrency?: number;
  /** Controllers to run (default: all of them, see controllers/index.ts). */
  controllers?: readonly ControllerFactory[];
  /** Serve /metrics, /healthz, /readyz here; omit to serve nothing (tests that need no HTTP). */
  metrics?: { host?: string; port: number };
  /** false = run without a Lease (single instance, tests). */
  leaderElection?: LeaderElectionSettings | false;
  identity?: string;
  logger?: Logger;
  /** Reconnect backoff bounds for the informers (default 200 ms .. 30 s). */
  informerBackoff?: { initialMs?: number; maxMs?: number };
  eventSeriesFlushMs?: number;
}

export interface RunningOperator {
  identity: string;
  metrics: OperatorMetrics;
  /** http://host:port of the metrics/health server, when one was asked for. */
  metricsUrl: string | undefined;
  informers: InformerRegistry;
  controllers: readonly Controller[];
  isLeader(): boolean;
  /** Resolves when the operator stops: "stopped" after stop(), "lost-leadership" when the Lease was lost. */
  done: Promise<"stopped" | "lost-leadership">;
  /** Graceful shutdown: stop intake, drain in-flight reconciles, flush events, release the Lease. */
  stop(): Promise<void>;
}

/**
 * Runs the operator in this process: informers (started at once, so a standby has warm caches),
 * controllers (started while this instance leads), the metrics/health server, leader election.
 * Resolves once the informer caches are synced.
 */
export async function startOperator(opts: OperatorOptions): Promise<RunningOperator> {
  const identity = opts.identity ?? `${hostname()}-${process.pid}`;
  const logger = opts.logger ?? createLogger();
  const metrics = createMetrics({ defaultMetrics: opts.metrics !== undefined });
  const namespace = opts.namespace || undefined;
  const informers = new InformerRegistry({ kc: opts.kc, namespace, logger, backoff: opts.informerBackoff });
  const events = new EventRecorder({
    kc: opts.kc,
    reportingInstance: identity,
    logger,
    metrics,
    seriesFlushMs: opts.eventSeriesFlushMs,
  });
  const ctx: ControllerContext = {
    kc: opts.kc,
    logger,
    metrics,
    events,
    informers,
    identity,
    settings: {
      vmcpImage: opts.vmcpImage ?? DEFAULT_VMCP_IMAGE,
      namespace,
      allowLoopbackEntries: opts.allowLoopbackEntries ?? false,
      concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
    },
  };
  const controllers = (opts.controllers ?? DEFAULT_CONTROLLERS).map((factory) => factory(ctx));
  registerOperatorGauges(metrics, informers);

  let server: HealthServer | undefined;
  if (opts.metrics) {
    server = await startHealthServer({
      host: opts.metrics.host,
      port: opts.metrics.port,
      registry: metrics.registry,
      ready: () => informers.hasSynced(),
    });
    logger.info({ url: server.url }, "metrics and health endpoints listening");
  }

  let resolveDone: (v: "stopped" | "lost-leadership") => void = () => {};
  const done = new Promise<"stopped" | "lost-leadership">((r) => {
    resolveDone = r;
  });
  let stopping: Promise<void> | undefined;
  let election: LeaderElection | undefined;
  let controllersRunning = false;

  const startControllers = () => {
    if (controllersRunning || stopping) return;
    controllersRunning = true;
    for (const c of controllers) c.start();
  };
  const stopControllers = async () => {
    await Promise.all(controllers.map((c) => c.stop()));
    controllersRunning = false;
  };

  const shutdown = (reason: "stopped" | "lost-leadership"): Promise<void> => {
    if (!stopping) {
      stopping = (async () => {
        logger.info({ reason }, "operator stopping");
        await stopControllers();
        await events.flush();
        await election?.stop();
        await informers.stopAll();
        await server?.close();
        logger.info("operator stopped");
        resolveDone(reason);
      })();
    }
    return stopping;
  };

  await informers.startAll();
  logger.info({ informers: informers.all().map((i) => i.resource) }, "caches synced");

  if (opts.leaderElection) {
    const le = opts.leaderElection;
    election = runLeaderElection({
      kc: opts.kc,
      namespace: le.namespace,
      name: le.name ?? DEFAULT_LEASE_NAME,
      identity,
      leaseDurationSeconds: le.leaseDurationSeconds,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
      logger,
      metrics,
      onStartedLeading: startControllers,
      // Like controller-runtime: a replica that lost the Lease stops, so two leaders never reconcile at once.
      onStoppedLeading: () => {
        void shutdown("lost-leadership");
      },
    });
  } else {
    startControllers();
  }

  return {
    identity,
    metrics,
    metricsUrl: server?.url,
    informers,
    controllers,
    isLeader: () => (election ? election.isLeader() : controllersRunning),
    done,
    stop: () => shutdown("stopped"),
  };
}
