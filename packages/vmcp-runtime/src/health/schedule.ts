// When health checks run. Without spreading, every backend's first check lands at the same
// moment and the re-arm at exactly the interval keeps them together: B backends probed in one
// burst every interval. Pure (the random source is injected) so the schedule can be pinned.

export const DEFAULT_MAX_CONCURRENT_PROBES = 8;
/** Each re-arm is the interval +-10 %. */
export const JITTER = 0.1;

/** The first check at a random point of the first interval. */
export function firstProbeDelay(intervalMs: number, random: () => number): number {
  return Math.floor(random() * intervalMs);
}

/** The next check one interval later, +-JITTER, so backends that started together drift apart. */
export function nextProbeDelay(intervalMs: number, random: () => number): number {
  return Math.max(1, Math.round(intervalMs * (1 - JITTER + 2 * JITTER * random())));
}

/** At most `max` probes in flight; the rest wait in arrival order. The queue is bounded by the
 * caller: each backend has at most one probe running or waiting. */
export class ProbeSlots {
  readonly #max: number;
  #running = 0;
  #waiting: Array<() => void> = [];

  constructor(max: number) {
    this.#max = Math.max(1, max);
  }

  get running(): number {
    return this.#running;
  }

  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#max) await new Promise<void>((r) => this.#waiting.push(r));
    else this.#running++;
    try {
      return await f();
    } finally {
      // The slot passes straight to the next waiter, so running never exceeds max.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
