import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The operator's Prometheus metrics, on a registry of their own (several operators may share a process in tests). */
export interface OperatorMetrics {
  registry: Registry;
  reconcileTotal: Counter<"controller" | "result">;
  reconcileDuration: Histogram<"controller">;
  workqueueDepth: Gauge<"controller">;
  apiserverWrites: Counter<"kind" | "verb">;
  leader: Gauge;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): OperatorMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    reconcileTotal: new Counter({
      name: "vmcp_operator_reconcile_total",
      help: "Reconciles by controller and result (success, requeue, error).",
      labelNames: ["controller", "result"],
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: "vmcp_operator_reconcile_duration_seconds",
      help: "Time spent in one reconcile, in seconds.",
      labelNames: ["controller"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    workqueueDepth: new Gauge({
      name: "vmcp_operator_workqueue_depth",
      help: "Keys waiting in the work queue.",
      labelNames: ["controller"],
      registers: [registry],
    }),
    apiserverWrites: new Counter({
      name: "vmcp_operator_apiserver_writes_total",
      help: "Writes sent to the API server by kind and verb.",
      labelNames: ["kind", "verb"],
      registers: [registry],
    }),
    leader: new Gauge({
      name: "vmcp_operator_leader_election_is_leader",
      help: "1 while this instance holds the leader Lease.",
      registers: [registry],
    }),
  };
}

/** Sum of a counter's values, optionally filtered by labels (for tests and the demo). */
export async function counterValue(c: Counter<string>, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await c.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((a, v) => a + v.value, 0);
}

/** A `<name>` gauge fixed at 1 whose labels say which build is running (the Prometheus `*_build_info` convention). */
export function registerBuildInfo(
  registry: Registry,
  name: string,
  info: { version: string; commit: string },
): Gauge<"version" | "commit"> {
  const g = new Gauge({
    name,
    help: "Always 1; the labels name the running version and the git commit it was built from.",
    labelNames: ["version", "commit"],
    registers: [registry],
  });
  g.set({ version: info.version, commit: info.commit }, 1);
  return g;
}
