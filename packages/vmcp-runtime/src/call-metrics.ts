// Per-request metrics recorded without prom-client on the call path. prom-client's `observe`
// and `inc` validate and hash their labels on every call, which on the forward path cost about
// as much CPU as parsing the request; here a request costs two Map lookups, a bucket search and
// a few increments, and prom-client reads the cells when /metrics is scraped
// (cell-histogram.ts, loaded with the rest of the exposition on the first scrape).

export type CallOutcome = "ok" | "error" | "timeout" | "unreachable" | "cancelled";

export const CALL_OUTCOMES: readonly CallOutcome[] = ["ok", "error", "timeout", "unreachable", "cancelled"];

export const DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** What one (backend, method) pair recorded: durations per bucket (not cumulative; the last
 * slot is past every bound), and requests per outcome not yet handed to the counter. */
export interface CallCell {
  readonly backend: string;
  readonly method: string;
  readonly buckets: Float64Array;
  sum: number;
  count: number;
  readonly pending: Record<CallOutcome, number>;
}

export function record(cell: CallCell, seconds: number, outcome: CallOutcome): void {
  let i = 0;
  while (i < DURATION_BUCKETS.length && seconds > (DURATION_BUCKETS[i] as number)) i++;
  cell.buckets[i] = (cell.buckets[i] as number) + 1;
  cell.sum += seconds;
  cell.count++;
  cell.pending[outcome]++;
}

/** The cells, by backend then method (no key string built per call). Bounded: backends come
 * from the configuration and methods are labelled from a fixed set. */
export class CallCells {
  #byBackend = new Map<string, Map<string, CallCell>>();

  get(backend: string, method: string): CallCell {
    let byMethod = this.#byBackend.get(backend);
    if (!byMethod) {
      byMethod = new Map();
      this.#byBackend.set(backend, byMethod);
    }
    let c = byMethod.get(method);
    if (!c) {
      c = {
        backend,
        method,
        buckets: new Float64Array(DURATION_BUCKETS.length + 1),
        sum: 0,
        count: 0,
        pending: { ok: 0, error: 0, timeout: 0, unreachable: 0, cancelled: 0 },
      };
      byMethod.set(method, c);
    }
    return c;
  }

  *[Symbol.iterator](): Iterator<CallCell> {
    for (const byMethod of this.#byBackend.values()) yield* byMethod.values();
  }

  clear(): void {
    this.#byBackend.clear();
  }
}
