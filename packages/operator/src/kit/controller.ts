import { type Logger, silentLogger } from "@vmcp/kube-kit/logger";
import type { OperatorMetrics } from "@vmcp/kube-kit/metrics";
import { WorkQueue } from "@vmcp/kube-kit/workqueue";

export type ReconcileResult = { requeueAfter?: number } | undefined;

export interface ControllerOptions {
  name: string;
  /** Reconciles running at once (different keys); default 2. */
  concurrency?: number;
  reconcile: (key: string) => Promise<ReconcileResult>;
  logger?: Logger;
  metrics?: OperatorMetrics;
  /** Per-key error backoff bounds (default 5 ms .. 5 min). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs reconcile(key) from a WorkQueue with bounded concurrency. A thrown error re-queues the key
 * with per-key exponential backoff; a success resets it and honours requeueAfter.
 * Keys may be enqueued before start(); they are processed once started.
 */
export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly #o: ControllerOptions;
  readonly #log: Logger;
  #workers: Promise<void>[] = [];
  #started = false;

  constructor(opts: ControllerOptions) {
    this.name = opts.name;
    this.#o = opts;
    this.#log = (opts.logger ?? silentLogger()).child({ controller: opts.name });
    const depth = opts.metrics?.workqueueDepth.labels({ controller: opts.name });
    this.queue = new WorkQueue({
      baseDelayMs: opts.baseDelayMs,
      maxDelayMs: opts.maxDelayMs,
      onDepth: depth ? (n) => depth.set(n) : undefined,
    });
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  start(): void {
    if (this.#started || this.queue.isShutdown) return;
    this.#started = true;
    const n = Math.max(1, this.#o.concurrency ?? 2);
    for (let i = 0; i < n; i++) this.#workers.push(this.#work());
    this.#log.info({ concurrency: n }, "controller started");
  }

  /** Stops intake and waits for in-flight reconciles to finish. */
  async stop(): Promise<void> {
    this.queue.shutdown();
    await Promise.all(this.#workers);
    this.#workers = [];
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.#process(key);
    }
  }

  async #process(key: string): Promise<void> {
    const m = this.#o.metrics;
    const endTimer = m?.reconcileDuration.startTimer({ controller: this.name });
    try {
      const res = await this.#o.reconcile(key);
      this.queue.forget(key);
      if (res?.requeueAfter !== undefined && res.requeueAfter >= 0) {
        this.queue.addAfter(key, res.requeueAfter);
        m?.reconcileTotal.inc({ controller: this.name, result: "requeue" });
      } else {
        m?.reconcileTotal.inc({ controller: this.name, result: "success" });
      }
    } catch (err) {
      const delay = this.queue.addRateLimited(key);
      m?.reconcileTotal.inc({ controller: this.name, result: "error" });
      this.#log.warn(
        { key, err: err instanceof Error ? err.message : String(err), retryInMs: delay },
        "reconcile failed",
      );
    } finally {
      endTimer?.();
      this.queue.done(key);
    }
  }
}
