// The request duration histogram as prom-client exposes it, read from the plain cells the call
// path records into (call-metrics.ts). Loaded with prom-client on the first /metrics scrape.
import { Histogram, type HistogramConfiguration, type MetricType } from "prom-client";
import { type CallCells, DURATION_BUCKETS } from "./call-metrics.ts";

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
