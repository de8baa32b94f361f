/**
 * A work queue with the semantics of client-go's workqueue:
 * - a key waiting in the queue is stored once however often it is added (de-duplication);
 * - a key being processed is never handed out again until done(); if it was added meanwhile it
 *   goes back into the queue once, after done();
 * - addAfter delays a key (an earlier deadline replaces a later one);
 * - addRateLimited delays by a per-key exponential backoff, forget() resets it.
 */
export interface WorkQueueOptions {
  /** Backoff for addRateLimited: baseMs * 2^failures, capped at maxMs (defaults 5 ms .. 5 min). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called whenever the number of ready keys changes (for a depth gauge). */
  onDepth?: (depth: number) => void;
}

export class WorkQueue {
  readonly #queue: string[] = [];
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #failures = new Map<string, number>();
  readonly #waiters: ((key: string | undefined) => void)[] = [];
  readonly #base: number;
  readonly #max: number;
  readonly #onDepth: ((depth: number) => void) | undefined;
  #shutdown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.#base = opts.baseDelayMs ?? 5;
    this.#max = opts.maxDelayMs ?? 300_000;
    this.#onDepth = opts.onDepth;
  }

  get length(): number {
    return this.#queue.length;
  }

  /** Keys currently being processed. */
  get processing(): number {
    return this.#processing.size;
  }

  /** Keys waiting on a delay timer. */
  get delayed(): number {
    return this.#timers.size;
  }

  get isShutdown(): boolean {
    return this.#shutdown;
  }

  add(key: string): void {
    if (this.#shutdown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    this.#push(key);
  }

  addAfter(key: string, ms: number): void {
    if (this.#shutdown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const existing = this.#timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref?.();
    this.#timers.set(key, { at, timer });
  }

  /** Re-adds the key after its next backoff delay; returns that delay. */
  addRateLimited(key: string): number {
    const n = this.#failures.get(key) ?? 0;
    this.#failures.set(key, n + 1);
    const delay = this.backoffFor(n);
    this.addAfter(key, delay);
    return delay;
  }

  backoffFor(failures: number): number {
    return Math.min(this.#max, this.#base * 2 ** Math.min(failures, 40));
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** Waits for the next key; resolves undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.#take();
    if (key !== undefined || this.#shutdown) return Promise.resolve(key);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key) && !this.#shutdown) this.#push(key);
  }

  /** Stops intake, cancels delayed keys, drops waiting keys and releases blocked get() calls. */
  shutdown(): void {
    this.#shutdown = true;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#queue.length = 0;
    this.#dirty.clear();
    this.#onDepth?.(0);
    for (const w of this.#waiters.splice(0)) w(undefined);
  }

  #push(key: string): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      waiter(key);
      return;
    }
    this.#queue.push(key);
    this.#onDepth?.(this.#queue.length);
  }

  #take(): string | undefined {
    const key = this.#queue.shift();
    if (key === undefined) return undefined;
    this.#onDepth?.(this.#queue.length);
    this.#dirty.delete(key);
    this.#processing.add(key);
    return key;
  }
}
