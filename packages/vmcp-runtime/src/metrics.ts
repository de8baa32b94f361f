import { registerBuildInfo } from "@vmcp/kube-kit/metrics";
import { Counter, collectDefaultMetrics, Gauge, type Histogram, Registry } from "prom-client";
import { CALL_OUTCOMES, CallCells, type CallOutcome, CellHistogram, record } from "./call-metrics.ts";
import { BUILD_INFO } from "./version.ts";

export type { CallOutcome };

/** Prometheus metrics. Requests are recorded into plain cells (call-metrics.ts) that the
 * request counter and the duration histogram read when scraped. */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<"backend" | "method" | "outcome">;
  readonly duration: Histogram<"backend" | "method">;
  readonly sessions: Gauge;
  readonly backendUp: Gauge<"backend">;
  readonly listChanged: Counter<"kind">;
  readonly statusWrites: Counter<"result">;
  readonly sessionResumes: Counter;
  readonly sessionRefusals: Counter<"reason">;
  #cells = new CallCells();

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const cells = this.#cells;
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
    this.requests = requests;
    this.duration = new CellHistogram(
      {
        name: "vmcp_request_duration_seconds",
        help: "Time from receiving an MCP request to its response, by backend and method",
        labelNames: ["backend", "method"],
        registers,
      },
      cells,
    );
    this.sessions = new Gauge({ name: "vmcp_sessions", help: "Open client sessions", registers });
    this.backendUp = new Gauge({
      name: "vmcp_backend_up",
      help: "1 when the last exchange with the backend succeeded, 0 otherwise",
      labelNames: ["backend"],
      registers,
    });
    this.listChanged = new Counter({
      name: "vmcp_list_changed_total",
      help: "list_changed notifications emitted to clients, by kind",
      labelNames: ["kind"],
      registers,
    });
    this.statusWrites = new Counter({
      name: "vmcp_status_writes_total",
      help: "Status writes to the VirtualMCPServer by the leading replica (Kubernetes mode), by result (ok, error)",
      labelNames: ["result"],
      registers,
    });
    registerBuildInfo(this.registry, "vmcp_build_info", BUILD_INFO);
    this.sessionResumes = new Counter({
      name: "vmcp_session_resumes_total",
      help: "Client sessions this replica rebuilt from a session id it did not issue (or no longer held)",
      registers,
    });
    this.sessionRefusals = new Counter({
      name: "vmcp_session_refusals_total",
      help: "Portable (token or Redis) session ids refused with 404, by reason",
      labelNames: ["reason"],
      registers,
    });
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Record one finished request; `startNs` from process.hrtime.bigint(). */
  observe(backend: string, method: string, outcome: CallOutcome, startNs: bigint): void {
    this.record(backend, method, outcome, Number(process.hrtime.bigint() - startNs) / 1e9);
  }

  record(backend: string, method: string, outcome: CallOutcome, seconds: number): void {
    record(this.#cells.get(backend, method), seconds, outcome);
  }
}
