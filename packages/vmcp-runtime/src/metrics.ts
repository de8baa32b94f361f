import type { Registry } from "prom-client";
import { CallCells, type CallOutcome, record } from "./call-metrics.ts";
import { MetricValues } from "./metric-values.ts";

export type { CallOutcome };

/** Prometheus metrics, recorded as plain values: requests into cells (call-metrics.ts), the rest
 * into MetricValues. prom-client and the registry it exposes are loaded on the first scrape
 * (`registry()`), so a start that is never scraped, and the first call, do not pay for them. */
export class Metrics {
  readonly sessions = new MetricValues({ name: "vmcp_sessions", help: "Open client sessions" });
  readonly backendUp = new MetricValues({
    name: "vmcp_backend_up",
    help: "1 when the last exchange with the backend succeeded, 0 otherwise",
    labelNames: ["backend"],
  });
  readonly listChanged = new MetricValues({
    name: "vmcp_list_changed_total",
    help: "list_changed notifications emitted to clients, by kind",
    labelNames: ["kind"],
  });
  readonly statusWrites = new MetricValues({
    name: "vmcp_status_writes_total",
    help: "Status writes to the VirtualMCPServer by the leading replica (Kubernetes mode), by result (ok, error)",
    labelNames: ["result"],
  });
  readonly sessionResumes = new MetricValues({
    name: "vmcp_session_resumes_total",
    help: "Client sessions this replica rebuilt from a session id it did not issue (or no longer held)",
  });
  readonly sessionRefusals = new MetricValues({
    name: "vmcp_session_refusals_total",
    help: "Portable (token or Redis) session ids refused with 404, by reason",
    labelNames: ["reason"],
  });
  readonly cells = new CallCells();
  readonly defaultMetrics: boolean;
  #registry: Promise<Registry> | undefined;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    this.defaultMetrics = opts.defaultMetrics === true;
  }

  /** The prom-client registry of all of them, built on first use (the first /metrics scrape).
   * With default metrics, Node's process metrics start counting from then: the CPU and memory
   * ones read totals of the whole process; GC and event-loop-lag observations begin then. */
  registry(): Promise<Registry> {
    this.#registry ??= import("./metrics-exposition.ts").then((m) => m.exposition(this));
    return this.#registry;
  }

  /** Record one finished request; `startNs` from process.hrtime.bigint(). */
  observe(backend: string, method: string, outcome: CallOutcome, startNs: bigint): void {
    this.record(backend, method, outcome, Number(process.hrtime.bigint() - startNs) / 1e9);
  }

  record(backend: string, method: string, outcome: CallOutcome, seconds: number): void {
    record(this.cells.get(backend, method), seconds, outcome);
  }
}
