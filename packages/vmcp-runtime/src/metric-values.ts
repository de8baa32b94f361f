// Gauge and counter values kept as plain numbers until /metrics is scraped: the Prometheus
// client (prom-client and its default metrics, about 13 MiB of RSS and 40 ms of start-up) loads
// only then (metrics-exposition.ts), not at every start.

/** One metric's values by label values. Bounded by its callers: label values come from the
 * configuration (backends) or from fixed sets (kinds, results, reasons). */
export class MetricValues<L extends string = never> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly #values = new Map<string, { labels: Partial<Record<L, string>>; value: number }>();

  constructor(o: { name: string; help: string; labelNames?: readonly L[] }) {
    this.name = o.name;
    this.help = o.help;
    this.labelNames = o.labelNames ?? [];
  }

  #cell(labels: Partial<Record<L, string>>): { value: number } {
    const key = this.labelNames.map((l) => labels[l] ?? "").join("\u0000");
    let c = this.#values.get(key);
    if (!c) {
      c = { labels: { ...labels }, value: 0 };
      this.#values.set(key, c);
    }
    return c;
  }

  /** The cell of these label values, in labelNames order (prom-client's `labels(...)`). */
  labels(...values: string[]): { set(v: number): void; inc(n?: number): void } {
    const labels: Partial<Record<L, string>> = {};
    this.labelNames.forEach((l, i) => {
      labels[l] = values[i];
    });
    const c = this.#cell(labels);
    return {
      set: (v) => {
        c.value = v;
      },
      inc: (n = 1) => {
        c.value += n;
      },
    };
  }

  set(v: number, labels: Partial<Record<L, string>> = {}): void {
    this.#cell(labels).value = v;
  }

  inc(labels: Partial<Record<L, string>> = {}, n = 1): void {
    this.#cell(labels).value += n;
  }

  *entries(): Iterable<{ labels: Partial<Record<L, string>>; value: number }> {
    yield* this.#values.values();
  }
}
