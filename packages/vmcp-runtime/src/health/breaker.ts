import CircuitBreaker from "opossum";

export type CircuitState = "closed" | "open" | "half-open";

export interface BreakerSettings {
  /** circuitBreaker.failureThreshold: consecutive failures that open the circuit. */
  failureThreshold: number;
  /** circuitBreaker.timeout in ms: how long the circuit stays open before one half-open probe. */
  openMs: number;
  /** healthCheckInterval in ms, to size opossum's rolling window. */
  intervalMs: number;
}

/**
 * ToolHive's breaker counts *consecutive* failures; opossum judges a failure *percentage* over a
 * rolling window once `volumeThreshold` calls were seen. The mapping (docs/status.md):
 * - volumeThreshold = failureThreshold and errorThresholdPercentage = 99: opossum itself trips only
 *   on a window of at least N calls that all failed;
 * - the window (rollingCountTimeout) spans N health intervals, so N failed probes in a row fit;
 * - because a success earlier in the window would keep the percentage below 100, the monitor also
 *   counts consecutive failures (probes and real calls) and calls `open()` at N: the two agree on
 *   "N failures in a row opens the circuit";
 * - resetTimeout = circuitBreaker.timeout; after it opossum goes half-open and lets one call
 *   through: our probe. Success closes it, failure opens it again;
 * - opossum's own `timeout` is off: the probe carries healthCheckTimeout itself.
 */
export function opossumOptions(s: BreakerSettings): CircuitBreaker.Options {
  const windowMs = Math.max(10_000, s.failureThreshold * s.intervalMs * 2);
  return {
    timeout: false,
    resetTimeout: s.openMs,
    volumeThreshold: s.failureThreshold,
    errorThresholdPercentage: 99,
    rollingCountTimeout: windowMs,
    rollingCountBuckets: 10,
    allowWarmUp: false,
  };
}

/** One opossum breaker per backend. `run` fires the probe through it; passive outcomes from real
 * calls come in through `recordFailure`/`recordSuccess`. */
export class BackendBreaker {
  readonly #cb: CircuitBreaker<[() => Promise<void>], void>;
  readonly #threshold: number;
  #consecutive = 0;
  #lastChanged = Date.now();
  #listener: (state: CircuitState) => void;

  constructor(s: BreakerSettings, onChange: (state: CircuitState) => void) {
    this.#threshold = s.failureThreshold;
    this.#listener = onChange;
    this.#cb = new CircuitBreaker((fn: () => Promise<void>) => fn(), opossumOptions(s));
    const changed = () => {
      this.#lastChanged = Date.now();
      this.#listener(this.state);
    };
    this.#cb.on("open", changed);
    this.#cb.on("halfOpen", changed);
    this.#cb.on("close", () => {
      this.#consecutive = 0;
      changed();
    });
  }

  get state(): CircuitState {
    return this.#cb.opened ? "open" : this.#cb.halfOpen ? "half-open" : "closed";
  }
  get lastChanged(): number {
    return this.#lastChanged;
  }
  get consecutiveFailures(): number {
    return this.#consecutive;
  }

  /** Runs `probe` through the breaker. Resolves false without running it while the circuit is open. */
  async run(probe: () => Promise<boolean>): Promise<boolean> {
    if (this.#cb.opened) return false;
    let ok = false;
    try {
      await this.#cb.fire(async () => {
        ok = await probe();
        if (!ok) throw new Error("probe failed");
      });
    } catch {
      // The outcome is `ok`; opossum has counted it.
    }
    if (ok) this.#consecutive = 0;
    else this.#fail();
    return true;
  }

  recordFailure(): void {
    this.#fail();
  }

  recordSuccess(): void {
    this.#consecutive = 0;
  }

  #fail(): void {
    this.#consecutive++;
    if (this.#consecutive >= this.#threshold && !this.#cb.opened) this.#cb.open();
  }

  shutdown(): void {
    this.#cb.shutdown();
  }
}
