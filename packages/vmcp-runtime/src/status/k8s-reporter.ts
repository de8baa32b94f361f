import { hostname } from "node:os";
import { backoffDelay } from "@vmcp/kube-kit/backoff";
import type { KubeConnection } from "@vmcp/kube-kit/connection";
import { kubeRequest } from "@vmcp/kube-kit/http";
import { Informer, type KubeObject } from "@vmcp/kube-kit/informer";
import { type LeaderElection, runLeaderElection } from "@vmcp/kube-kit/leader";
import { API_VERSION, type Condition, GROUP, KIND_INFO, VERSION } from "@vmcp/shared-types";
import * as z from "zod";
import { type Logger, silentLogger } from "../logger.ts";
import {
  buildCrdStatus,
  type CrdStatusInput,
  decideWrite,
  extractRuntimeStatus,
  RUNTIME_CONDITIONS,
  type RuntimeCrdStatus,
} from "./crd-status.ts";
import type { RuntimeStatus, StatusReporter } from "./types.ts";

export const RUNTIME_FIELD_MANAGER = "vmcp-runtime";
export const statusLeaseName = (vmcp: string): string => `${vmcp}-vmcp-status`;

export interface K8sStatusReporterOptions {
  kc: KubeConnection;
  namespace: string;
  name: string;
  /** statusReportingInterval: the most often a lastHealthCheck-only refresh is sent. */
  refreshMs: number;
  /** How long a burst of changes is gathered into one write (default 250 ms). */
  coalesceMs?: number;
  /** A fresh runtime snapshot for the periodic lastHealthCheck refresh (the gateway's
   * `status()`); without it the last reported one is used. */
  snapshot?: () => RuntimeStatus;
  /** Runtime status -> the backend list and counts to report (adds health and discovery detail). */
  toInput: (s: RuntimeStatus) => Omit<CrdStatusInput, "generation" | "previousConditions" | "now">;
  /** Elect a leader among replicas on the Lease `<name>-vmcp-status` (default true). */
  leaderElection?: boolean;
  identity?: string;
  log?: Logger;
}

const VmcpObjectSchema = z.object({
  metadata: z.object({
    name: z.string(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    generation: z.number().optional(),
    resourceVersion: z.string().optional(),
  }),
  status: z.record(z.string(), z.unknown()).optional(),
});
type VmcpObject = z.output<typeof VmcpObjectSchema>;

function rvNumber(rv: string | undefined): bigint {
  try {
    return rv ? BigInt(rv) : -1n;
  } catch {
    return -1n;
  }
}

/**
 * The Kubernetes StatusReporter: server-side apply of virtualmcpservers/status with field
 * manager vmcp-runtime, owning only the runtime's fields. Changes are gathered for `coalesceMs`,
 * compared with the live object (watched), and written only when something other than
 * lastHealthCheck differs; lastHealthCheck alone is refreshed at most every `refreshMs`. API errors
 * are retried with capped backoff and never reach the gateway; every retry sends the latest state.
 */
export class K8sStatusReporter implements StatusReporter {
  /** Status writes sent (successful or not), for tests and the benchmark. */
  writes = 0;
  readonly #o: K8sStatusReporterOptions;
  readonly #log: Logger;
  readonly #self: Informer<VmcpObject>;
  #latest: RuntimeStatus | undefined;
  #current: RuntimeCrdStatus | undefined;
  #operatorConditions: Condition[] = [];
  #currentRv = -1n;
  #generation: number | undefined;
  #uid: string | undefined;
  #lastWriteMs: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = 0;
  #tick: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #again = false;
  #failures = 0;
  #leader: LeaderElection | undefined;
  #isLeader = false;
  #stopped = false;
  #listeners = new Set<(s: RuntimeCrdStatus) => void>();
  #errorListeners = new Set<(err: unknown) => void>();

  constructor(o: K8sStatusReporterOptions) {
    this.#o = o;
    this.#log = (o.log ?? silentLogger()).child({ component: "status-reporter" });
    this.#self = new Informer<VmcpObject>({
      kc: o.kc,
      group: GROUP,
      version: VERSION,
      plural: KIND_INFO.VirtualMCPServer.plural,
      namespace: o.namespace,
      // The Role grants list/watch on this one name only, which the API server authorizes for
      // a metadata.name field selector.
      fieldSelector: `metadata.name=${o.name}`,
      parse: (raw) => VmcpObjectSchema.parse(raw),
      logger: this.#log,
      backoff: { initialMs: 200, maxMs: 5000 },
    });
  }

  /** Called after each successful write with what was written. */
  onWrite(l: (s: RuntimeCrdStatus) => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  /** Called after each failed write (it is retried with backoff). */
  onWriteError(l: (err: unknown) => void): () => void {
    this.#errorListeners.add(l);
    return () => this.#errorListeners.delete(l);
  }

  get isLeader(): boolean {
    return this.#isLeader;
  }

  /** The VirtualMCPServer as an Event's `regarding`, once its uid is known from the watch. */
  regarding(): KubeObject | undefined {
    if (!this.#uid) return undefined;
    return {
      apiVersion: API_VERSION,
      kind: "VirtualMCPServer",
      metadata: { name: this.#o.name, namespace: this.#o.namespace, uid: this.#uid },
    };
  }

  /** Never blocks the gateway: watching, leader election and writes all run in the background. */
  async start(): Promise<void> {
    this.#self.onEvent((ev) => {
      if (ev.type === "delete") return;
      this.#observe(ev.obj);
      this.#schedule(0);
    });
    void this.#self.start();
    if (this.#o.leaderElection === false) {
      this.#isLeader = true;
    } else {
      this.#campaign();
    }
    this.#tick = setInterval(() => this.#schedule(0), this.#o.refreshMs);
    this.#tick.unref();
  }

  #campaign(): void {
    if (this.#stopped) return;
    this.#leader = runLeaderElection({
      kc: this.#o.kc,
      namespace: this.#o.namespace,
      name: statusLeaseName(this.#o.name),
      identity: this.#o.identity ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      leaseDurationSeconds: 20,
      renewDeadlineMs: 15_000,
      retryPeriodMs: 5_000,
      // The operator creates the Lease, owned by the VirtualMCPServer; the runtime may only take it.
      createLease: false,
      logger: this.#log,
      onStartedLeading: () => {
        this.#isLeader = true;
        this.#schedule(0);
      },
      onStoppedLeading: () => {
        this.#isLeader = false;
        // Keep campaigning: after an API outage the same replica usually takes the lease back.
        setTimeout(() => this.#campaign(), 1000).unref();
      },
    });
  }

  report(status: RuntimeStatus): void {
    this.#latest = status;
    this.#schedule(this.#o.coalesceMs ?? 250);
  }

  #observe(obj: VmcpObject): void {
    const rv = rvNumber(obj.metadata.resourceVersion);
    if (rv < this.#currentRv) return;
    this.#currentRv = rv;
    this.#generation = obj.metadata.generation;
    this.#uid = obj.metadata.uid ?? this.#uid;
    this.#current = extractRuntimeStatus(obj.status);
    const conds = obj.status?.conditions;
    this.#operatorConditions = Array.isArray(conds)
      ? (conds as Condition[]).filter((c) => !(RUNTIME_CONDITIONS as readonly string[]).includes(c.type))
      : [];
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    const at = Date.now() + delayMs;
    if (this.#timer && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, delayMs);
    this.#timer.unref();
  }

  #flush(): Promise<void> {
    if (this.#flushing) {
      this.#again = true;
      return this.#flushing;
    }
    this.#flushing = (async () => {
      do {
        this.#again = false;
        await this.#flushOnce();
      } while (this.#again && !this.#stopped);
      this.#flushing = undefined;
    })();
    return this.#flushing;
  }

  async #flushOnce(): Promise<void> {
    if (this.#stopped || !this.#isLeader || !this.#self.hasSynced()) return;
    const status = this.#o.snapshot?.() ?? this.#latest;
    if (!status?.ready) return;
    const now = Date.now();
    const desired = buildCrdStatus({
      ...this.#o.toInput(status),
      generation: this.#generation,
      previousConditions: this.#current?.conditions ?? [],
      operatorConditions: this.#operatorConditions,
      now: new Date(now).toISOString(),
    });
    const decision = decideWrite(desired, this.#current, this.#lastWriteMs, now, this.#o.refreshMs);
    if (decision.write === "never") return;
    if (decision.write === "later") {
      this.#schedule(decision.atMs - now);
      return;
    }
    this.writes++;
    try {
      const obj = await kubeRequest<unknown>(this.#o.kc, {
        method: "PATCH",
        path: `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(this.#o.namespace)}/${KIND_INFO.VirtualMCPServer.plural}/${encodeURIComponent(this.#o.name)}/status`,
        query: { fieldManager: RUNTIME_FIELD_MANAGER, force: true, fieldValidation: "Strict" },
        body: {
          apiVersion: API_VERSION,
          kind: "VirtualMCPServer",
          metadata: { name: this.#o.name, namespace: this.#o.namespace },
          status: desired,
        },
        contentType: "application/apply-patch+yaml",
        timeoutMs: 10_000,
      });
      this.#failures = 0;
      this.#lastWriteMs = now;
      const parsed = VmcpObjectSchema.safeParse(obj);
      if (parsed.success) this.#observe(parsed.data);
      else this.#current = desired;
      this.#log.debug({ phase: desired.phase }, "status applied");
      for (const l of this.#listeners) l(desired);
    } catch (err) {
      // Never disturbs the gateway: log, back off, and send whatever is latest then.
      const delay = backoffDelay(this.#failures++, 500, 30_000);
      this.#log.warn({ err: String(err), retryInMs: delay }, "status write failed; will retry");
      for (const l of this.#errorListeners) l(err);
      this.#schedule(delay);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#tick);
    await this.#flushing;
    await this.#leader?.stop();
    await this.#self.stop();
  }
}
