// The Prometheus exposition of the runtime's metrics: prom-client metrics that read the plain
// values the runtime records (metrics.ts) whenever they are collected. Imported on the first
// /metrics scrape only.
import { registerBuildInfo } from "@vmcp/kube-kit/metrics";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { CALL_OUTCOMES, type CallCells } from "./call-metrics.ts";
import { CellHistogram } from "./cell-histogram.ts";
import type { MetricValues } from "./metric-values.ts";
import { BUILD_INFO } from "./version.ts";

/** What the runtime records (metrics.ts's `Metrics` is one); named here so that this file, loaded
 * on demand by metrics.ts, does not import it back. */
export interface RecordedMetrics {
  readonly cells: CallCells;
  readonly sessions: MetricValues;
  readonly backendUp: MetricValues<"backend">;
  readonly listChanged: MetricValues<"kind">;
  readonly statusWrites: MetricValues<"result">;
  readonly sessionResumes: MetricValues;
  readonly sessionRefusals: MetricValues<"reason">;
  readonly defaultMetrics: boolean;
}

function gauge<L extends string>(v: MetricValues<L>, registers: Registry[]): void {
  new Gauge<L>({
    name: v.name,
    help: v.help,
    labelNames: v.labelNames,
    registers,
    collect() {
      for (const e of v.entries()) this.set(e.labels, e.value);
    },
  });
}

function counter<L extends string>(v: MetricValues<L>, registers: Registry[]): void {
  new Counter<L>({
    name: v.name,
    help: v.help,
    labelNames: v.labelNames,
    registers,
    collect() {
      // The values are totals: each scrape hands them over afresh.
      this.reset();
      for (const e of v.entries()) this.inc(e.labels, e.value);
    },
  });
}

export function exposition(m: RecordedMetrics): Registry {
  const registry = new Registry();
  const registers = [registry];
  const cells = m.cells;
  const requests = new Counter({
    name: "vmcp_requests_total",
    help: "MCP requests handled, by backend (or 'vmcp' when answered locally), method and outcome",
    labelNames: ["backend", "method", "outcome"],
    registers,
    collect() {
      for (const c of cells)
        for (const o of CALL_OUTCOMES) {
          const n = c.pending[o];
          if (n === 0) continue;
          c.pending[o] = 0;
          requests.labels(c.backend, c.method, o).inc(n);
        }
    },
  });
  new CellHistogram(
    {
      name: "vmcp_request_duration_seconds",
      help: "Time from receiving an MCP request to its response, by backend and method",
      labelNames: ["backend", "method"],
      registers,
    },
    cells,
  );
  gauge(m.sessions, registers);
  gauge(m.backendUp, registers);
  counter(m.listChanged, registers);
  counter(m.statusWrites, registers);
  registerBuildInfo(registry, "vmcp_build_info", BUILD_INFO);
  counter(m.sessionResumes, registers);
  counter(m.sessionRefusals, registers);
  if (m.defaultMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}
