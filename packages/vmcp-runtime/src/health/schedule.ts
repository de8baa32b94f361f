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

/** A check this late has lost its slot to an event-loop stall (a multi-megabyte answer, a long
 * GC): every backend whose slot fell in the stall is in the same position, and running them all
 * when the loop comes back is the burst the schedule exists to avoid. */
export const LATE_AFTER_MS = 250;
/** Late checks go out at 1/PACE_FACTOR of the mean check rate, on top of the regular ones. */
export const PACE_FACTOR = 4;

/** Where late checks go: one queue, released at a fixed pace (PACE_FACTOR x interval / number of
 * backends apart), so the checks a stall of length D piled up go out over about PACE_FACTOR x D
 * whatever their number, and a second stall's checks queue behind the first's instead of adding
 * another burst on top. */
export class LateChecks {
  #next = 0;

  /** The delay for a check firing at `now`, `lateMs` after its slot; undefined: not late, run it. */
  delay(now: number, lateMs: number, intervalMs: number, backends: number): number | undefined {
    if (lateMs < LATE_AFTER_MS) return undefined;
    const at = Math.max(now, this.#next);
    this.#next = at + (PACE_FACTOR * intervalMs) / Math.max(1, backends);
    return Math.round(at - now);
  }
}

/** The timers the schedule runs on (tests inject a clock whose stalls they control). */
export interface ProbeClock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realProbeClock: ProbeClock = {
  now: () => performance.now(),
  setTimeout: (f, ms) => setTimeout(f, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout | undefined),
};

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
