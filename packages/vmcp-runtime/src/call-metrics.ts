// Per-request metrics recorded without prom-client on the call path. prom-client's `observe`
// and `inc` validate and hash their labels on every call, which on the forward path cost about
// as much CPU as parsing the request; here a request costs two Map lookups, a bucket search and
// a few increments, and prom-client reads the cells when /metrics is scraped.
import { Histogram, type HistogramConfiguration, type MetricType } from "prom-client";

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

type Label = "backend" | "method";
type Exported = Awaited<ReturnType<Histogram<Label>["get"]>>;

/** A prom-client Histogram (same registry, name, help, buckets and exposition) whose values are
 * read from CallCells instead of its own observations. */
export class CellHistogram extends Histogram<Label> {
  #cells: CallCells;
  #name: string;
  #help: string;

  constructor(config: Omit<HistogramConfiguration<Label>, "buckets">, cells: CallCells) {
    super({ ...config, buckets: [...DURATION_BUCKETS] });
    this.#cells = cells;
    this.#name = config.name;
    this.#help = config.help;
  }

  override async get(): Promise<Exported> {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    const bucket = `${this.#name}_bucket`;
    for (const c of this.#cells) {
      const { backend, method } = c;
      let acc = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        acc += c.buckets[i] as number;
        values.push({ labels: { backend, method, le }, value: acc, metricName: bucket });
      });
      values.push(
        { labels: { backend, method, le: "+Inf" }, value: c.count, metricName: bucket },
        { labels: { backend, method }, value: c.sum, metricName: `${this.#name}_sum` },
        { labels: { backend, method }, value: c.count, metricName: `${this.#name}_count` },
      );
    }
    return {
      name: this.#name,
      help: this.#help,
      // prom-client's typings say an enum; at run time, and in the exposition, it is this string.
      type: "histogram" as unknown as MetricType,
      // Bucket lines carry `le` besides the declared labels, as prom-client's own do.
      values: values as Exported["values"],
      aggregator: "sum",
      collect: () => {},
    };
  }

  /** prom-client's registry formats from this method when a metric has it. */
  getForPromString(): Promise<Exported> {
    return this.get();
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor resets too, before this class's fields exist.
    if (#cells in this) this.#cells.clear();
  }
}
