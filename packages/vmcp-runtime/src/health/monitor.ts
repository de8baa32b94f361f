import type { BackendPool } from "../backends/pool.ts";
import { type Logger, silentLogger } from "../logger.ts";
import type { BackendRegistry } from "../registry/registry.ts";
import type { RegistryChange } from "../registry/types.ts";
import { BackendBreaker, type CircuitState } from "./breaker.ts";
import { type ProbeTarget, probeBackend } from "./probe.ts";
import {
  DEFAULT_MAX_CONCURRENT_PROBES,
  firstProbeDelay,
  LateChecks,
  nextProbeDelay,
  type ProbeClock,
  ProbeSlots,
  realProbeClock,
} from "./schedule.ts";
import { HealthStore } from "./state.ts";
import {
  advertisable,
  type CheckResult,
  DEFAULT_DEGRADED_AFTER_MS,
  type HealthRecord,
  initialRecord,
  nextHealth,
} from "./state-machine.ts";
import type { BackendHealth, BackendState, HealthEvents, RuntimeHealth, Unavailability } from "./types.ts";

export interface HealthMonitorOptions {
  registry: BackendRegistry;
  /** Connections and auth of each backend (probes dial its stream pool, never the calls' one). */
  pool: Pick<BackendPool, "get">;
  intervalMs: number;
  timeoutMs: number;
  unhealthyThreshold: number;
  degradedAfterMs?: number;
  /** circuitBreaker.enabled -> settings; undefined = no breakers. */
  breaker?: { failureThreshold: number; openMs: number };
  log?: Logger;
  /** Replaces the real probe (unit tests of the scheduling only). */
  probe?: (t: ProbeTarget, timeoutMs: number) => Promise<CheckResult>;
  /** Scheduled probes in flight at once, all backends together (default 8). */
  maxConcurrentProbes?: number;
  /** Source of the schedule's jitter (tests pin it). */
  random?: () => number;
  /** The schedule's timers (tests simulate event-loop stalls with it). */
  clock?: ProbeClock;
}

/** A backend became unavailable (unhealthy or circuit open) or came back from it. */
export interface BackendTransition {
  backend: string;
  kind: "unavailable" | "recovered";
  message: string;
}

export interface BackendHealthSnapshot {
  record: HealthRecord;
  circuitState: CircuitState | undefined;
  circuitLastChanged: number | undefined;
}

interface Tracked {
  name: string;
  hasAuth: boolean;
  record: HealthRecord;
  breaker: BackendBreaker | undefined;
  timer: unknown;
  probing: boolean;
  stopped: boolean;
  /** The health last published (breaker overlaid). */
  published: BackendHealth;
}

/** The health stage: active checks + passive call outcomes -> one verdict per backend, published
 * as a read-only view with change events (which drive the catalog, /status, metrics and the
 * status reporters). It reads the registry and the backend pool and writes into nothing else. */
export class HealthMonitor implements RuntimeHealth {
  readonly #o: HealthMonitorOptions;
  readonly #log: Logger;
  readonly #tracked = new Map<string, Tracked>();
  readonly #store = new HealthStore();
  #unsubscribe: (() => void) | undefined;
  #transitionListeners = new Set<(t: BackendTransition) => void>();
  readonly #slots: ProbeSlots;
  readonly #random: () => number;
  readonly #clock: ProbeClock;
  readonly #late = new LateChecks();

  constructor(o: HealthMonitorOptions) {
    this.#o = o;
    this.#slots = new ProbeSlots(o.maxConcurrentProbes ?? DEFAULT_MAX_CONCURRENT_PROBES);
    this.#random = o.random ?? Math.random;
    this.#clock = o.clock ?? realProbeClock;
    this.#log = (o.log ?? silentLogger()).child({ component: "health" });
  }

  start(): void {
    this.#unsubscribe = this.#o.registry.onChange((changes) => this.#apply(changes));
    this.#apply(this.#o.registry.list().map((backend) => ({ type: "added", backend }) as RegistryChange));
  }

  on<E extends keyof HealthEvents>(event: E, l: HealthEvents[E]): () => void {
    return this.#store.on(event, l);
  }

  get(name: string): BackendState {
    return this.#store.get(name);
  }

  /** Circuit breakers veto calls: false fails them fast without touching the backend. */
  routable(name: string): boolean {
    const b = this.#tracked.get(name)?.breaker;
    return !b || b.state === "closed";
  }

  circuitState(name: string): CircuitState | undefined {
    return this.#tracked.get(name)?.breaker?.state;
  }

  /** A real call or listing succeeded: counts as a passive check. */
  ok(name: string): void {
    this.#passive(name, { ok: true, latencyMs: 0 });
  }

  failed(name: string, message: string): void {
    this.#passive(name, passiveFailure(message));
  }

  forget(name: string): void {
    this.#store.delete(name);
  }

  /** Called when a backend becomes unavailable or recovers from it (not on every check). */
  onTransition(l: (t: BackendTransition) => void): () => void {
    this.#transitionListeners.add(l);
    return () => this.#transitionListeners.delete(l);
  }

  snapshot(name: string): BackendHealthSnapshot | undefined {
    const t = this.#tracked.get(name);
    if (!t) return undefined;
    return {
      record: t.record,
      circuitState: t.breaker?.state,
      circuitLastChanged: t.breaker?.lastChanged,
    };
  }

  /** Whether the backend's capabilities are advertised (not unhealthy, circuit not open). */
  advertised(name: string): boolean {
    const t = this.#tracked.get(name);
    if (!t) return true;
    return advertisable(t.record.health, (t.breaker?.state ?? "closed") !== "closed");
  }

  /** Why a withdrawn backend is refused; undefined while it is advertised. */
  unavailable(name: string): Unavailability | undefined {
    const t = this.#tracked.get(name);
    if (!t || this.advertised(name)) return undefined;
    const b = t.breaker;
    if (b?.state === "open") {
      const retryAfter = new Date(b.lastChanged + (this.#o.breaker?.openMs ?? 0)).toISOString();
      return { reason: "circuit open", retryAfter };
    }
    if (b?.state === "half-open") return { reason: "circuit half-open, recovery check running" };
    const next = t.record.lastCheck !== undefined ? t.record.lastCheck + this.#o.intervalMs : undefined;
    const out: Unavailability = { reason: `unhealthy: ${t.record.message}` };
    if (next !== undefined) out.retryAfter = new Date(Math.max(next, Date.now())).toISOString();
    return out;
  }

  /** Runs one active check now (tests, half-open probes). */
  async checkNow(name: string): Promise<void> {
    const t = this.#tracked.get(name);
    if (t) await this.#probe(t);
  }

  #apply(changes: RegistryChange[]): void {
    for (const c of changes) {
      if (c.type !== "added") this.#untrack(c.backend.name);
      if (c.type !== "removed") this.#track(c.backend.name, c.backend.authType !== "unauthenticated");
    }
  }

  #track(name: string, hasAuth: boolean): void {
    const t: Tracked = {
      name,
      hasAuth,
      record: initialRecord(),
      breaker: undefined,
      timer: undefined,
      probing: false,
      stopped: false,
      published: "unknown",
    };
    if (this.#o.breaker) {
      t.breaker = new BackendBreaker({ ...this.#o.breaker, intervalMs: this.#o.intervalMs }, (s) =>
        this.#breakerChanged(t, s),
      );
    }
    this.#tracked.set(name, t);
    // The catalog's initial listing already counts as a check, so the first probe can wait for a
    // random point of the interval: backends that appear together are not probed together.
    this.#schedule(t, firstProbeDelay(this.#o.intervalMs, this.#random));
  }

  #untrack(name: string): void {
    const t = this.#tracked.get(name);
    if (!t) return;
    t.stopped = true;
    this.#clock.clearTimeout(t.timer);
    t.breaker?.shutdown();
    this.#tracked.delete(name);
  }

  /** `slot`: when the check was first due, if it was moved for lateness. */
  #schedule(t: Tracked, delay: number, slot?: number): void {
    this.#clock.clearTimeout(t.timer);
    if (t.stopped) return;
    const due = this.#clock.now() + delay;
    t.timer = this.#clock.setTimeout(() => {
      // A slot lost to a stall joins the paced queue of late checks instead of the burst, again
      // after another stall, but not past one interval after its first slot: a loop that stays
      // slow still gets its checks.
      const now = this.#clock.now();
      const first = slot ?? due;
      const later =
        now - first < this.#o.intervalMs
          ? this.#late.delay(now, now - due, this.#o.intervalMs, this.#tracked.size)
          : undefined;
      if (later !== undefined) return this.#schedule(t, later, first);
      // Scheduled probes share the concurrency cap; checkNow and half-open trials do not wait.
      void this.#slots
        .run(() => this.#probe(t))
        .finally(() => this.#schedule(t, nextProbeDelay(this.#o.intervalMs, this.#random)));
    }, delay);
  }

  async #probe(t: Tracked): Promise<void> {
    if (t.probing || t.stopped) return;
    const b = this.#o.pool.get(t.name);
    if (!b) return;
    const target: ProbeTarget = {
      spec: b.spec,
      dispatcher: b.pools.streams,
      auth: b.auth,
      control: b.control,
    };
    t.probing = true;
    try {
      const probe = this.#o.probe ?? probeBackend;
      let result: CheckResult | undefined;
      const run = async () => {
        result = await probe(target, this.#o.timeoutMs);
        // 429 is pressure, not a failure: it must not trip the breaker.
        return result.ok || result.kind === "pressure" || (result.kind === "auth" && t.hasAuth);
      };
      // While the circuit is open the breaker skips the probe and the verdict stays frozen.
      if (t.breaker) await t.breaker.run(run);
      else await run();
      if (result && !t.stopped) this.#record(t, result, false);
    } finally {
      t.probing = false;
    }
  }

  #passive(name: string, r: CheckResult): void {
    const t = this.#tracked.get(name);
    if (!t) return;
    if (r.ok) {
      // A successful call only matters when it tells us something new (recovery).
      if (
        t.record.consecutiveFailures === 0 &&
        t.record.health !== "unknown" &&
        t.record.health !== "unhealthy"
      )
        return;
      if (t.breaker?.state === "closed") t.breaker.recordSuccess();
    } else if (t.record.health === "unhealthy") {
      // Already known to be down: the catalog's retries and callers add nothing but churn
      // (a status write per failure); the active checks keep counting.
      return;
    } else if (r.kind !== "pressure") {
      t.breaker?.recordFailure();
    }
    this.#record(t, r, true);
  }

  #record(t: Tracked, r: CheckResult, passive: boolean): void {
    const before = this.advertised(t.name);
    const wasBad = t.record.health === "unhealthy" || t.record.health === "unknown";
    t.record = nextHealth(
      t.record,
      r,
      {
        unhealthyThreshold: this.#o.unhealthyThreshold,
        degradedAfterMs: this.#o.degradedAfterMs ?? DEFAULT_DEGRADED_AFTER_MS,
        hasAuth: t.hasAuth,
      },
      Date.now(),
    );
    if (!r.ok) this.#log.debug({ backend: t.name, passive, result: r }, "backend check failed");
    this.#publish(t);
    if (before !== this.advertised(t.name)) this.#emitAdvertised();
    const nowGood = t.record.health === "healthy" || t.record.health === "degraded";
    if (wasBad && nowGood && !passive) for (const l of this.#store.listeners.recovered) l(t.name);
  }

  #breakerChanged(t: Tracked, s: CircuitState): void {
    if (t.stopped) return;
    this.#log.info({ backend: t.name, circuit: s }, "circuit breaker changed");
    this.#publish(t);
    this.#emitAdvertised();
    // Half-open: the one trial probe runs now, not at the next interval.
    if (s === "half-open") void this.#probe(t);
  }

  #emitAdvertised(): void {
    for (const l of this.#store.listeners.advertised) l();
  }

  /** Publishes the verdict with the breaker overlaid. */
  #publish(t: Tracked): void {
    const cs = t.breaker?.state ?? "closed";
    let health = t.record.health;
    let message = t.record.message;
    if (cs === "open") {
      health = "unhealthy";
      message = `Circuit breaker OPEN - ${message}`;
    } else if (cs === "half-open") {
      message = `Circuit breaker testing recovery - ${message}`;
    }
    this.#store.set(t.name, health, message);
    const prev = t.published;
    t.published = health;
    const kind =
      health === "unhealthy" && prev !== "unhealthy"
        ? "unavailable"
        : prev === "unhealthy" && (health === "healthy" || health === "degraded")
          ? "recovered"
          : undefined;
    // One info line per change of the published health, whatever the states (unknown, healthy,
    // degraded, unhealthy), so the log tells a backend's whole story.
    if (prev !== health) {
      const what =
        kind === "unavailable"
          ? "backend unavailable"
          : kind === "recovered"
            ? "backend recovered"
            : "backend health changed";
      this.#log.info({ backend: t.name, from: prev, to: health, message }, what);
    }
    if (kind) {
      const tr: BackendTransition = { backend: t.name, kind, message };
      for (const l of this.#transitionListeners) l(tr);
    }
  }

  stop(): void {
    this.#unsubscribe?.();
    for (const name of [...this.#tracked.keys()]) this.#untrack(name);
  }
}

/** Turns a call-failure message (backends/errors.ts wording) into a result. */
export function passiveFailure(message: string): CheckResult {
  if (/ECONNREFUSED|connection refused/i.test(message)) return { ok: false, kind: "refused", message };
  if (/did not answer within|timed? ?out/i.test(message)) return { ok: false, kind: "timeout", message };
  if (/\b429\b/.test(message)) return { ok: false, kind: "pressure", message };
  if (/\b(401|403)\b/.test(message)) return { ok: false, kind: "auth", message };
  return { ok: false, kind: "error", message };
}
