import { registerBuildInfo } from "@vmcp/kube-kit/metrics";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { BUILD_INFO } from "./version.ts";

export type CallOutcome = "ok" | "error" | "timeout" | "unreachable" | "cancelled";

/** Prometheus metrics. Label children are cached so the hot path does one Map lookup. */
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
  #durationChildren = new Map<string, { observe(v: number): void }>();
  #requestChildren = new Map<string, { inc(): void }>();

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: "vmcp_requests_total",
      help: "MCP requests handled, by backend (or 'vmcp' when answered locally), method and outcome",
      labelNames: ["backend", "method", "outcome"],
      registers,
    });
    this.duration = new Histogram({
      name: "vmcp_request_duration_seconds",
      help: "Time from receiving an MCP request to its response, by backend and method",
      labelNames: ["backend", "method"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
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
      help: "Token-carrying session ids refused with 404, by reason",
      labelNames: ["reason"],
      registers,
    });
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Record one finished request; `startNs` from process.hrtime.bigint(). */
  observe(backend: string, method: string, outcome: CallOutcome, startNs: bigint): void {
    const key = `${backend}\0${method}`;
    let d = this.#durationChildren.get(key);
    if (!d) {
      d = this.duration.labels(backend, method);
      this.#durationChildren.set(key, d);
    }
    d.observe(Number(process.hrtime.bigint() - startNs) / 1e9);
    const rkey = `${key}\0${outcome}`;
    let r = this.#requestChildren.get(rkey);
    if (!r) {
      r = this.requests.labels(backend, method, outcome);
      this.#requestChildren.set(rkey, r);
    }
    r.inc();
  }
}
