// A cap on the connections the gateway holds to one backend for calls. Without it every client
// session's calls open connections of their own, and a single-process backend's listen backlog
// overflows long before the gateway notices. A call waits for a free slot at most its own
// timeout; the waiting line is bounded as well.

export const DEFAULT_MAX_CONNECTIONS_PER_BACKEND = 64;
/** Calls allowed to wait per connection slot before new ones are refused at once. */
const WAITING_PER_SLOT = 16;

/** Carries an undici-style code so errors.ts maps it with the others. */
export class NoFreeConnectionError extends Error {
  readonly code = "VMCP_NO_FREE_CONNECTION";
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class CallSlots {
  readonly max: number;
  readonly maxWaiting: number;
  #inUse = 0;
  #waiting: Waiter[] = [];

  constructor(max: number) {
    this.max = Math.max(1, max);
    this.maxWaiting = this.max * WAITING_PER_SLOT;
  }

  get inUse(): number {
    return this.#inUse;
  }
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Takes a slot now when one is free (the common case, no promise). */
  tryAcquire(): boolean {
    if (this.#inUse >= this.max) return false;
    this.#inUse++;
    return true;
  }

  /** Waits for a slot at most `waitMs`, or until `signal` aborts. */
  acquire(waitMs: number, signal?: AbortSignal): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    if (this.#waiting.length >= this.maxWaiting)
      return Promise.reject(
        new NoFreeConnectionError(
          `all ${this.max} connections busy and ${this.maxWaiting} calls already waiting`,
        ),
      );
    return new Promise<void>((resolve, reject) => {
      const leave = (err: Error) => {
        const i = this.#waiting.indexOf(w);
        if (i >= 0) this.#waiting.splice(i, 1);
        signal?.removeEventListener("abort", onAbort);
        reject(err);
      };
      const onAbort = () => {
        clearTimeout(w.timer);
        leave(new DOMException("request aborted", "AbortError"));
      };
      const w: Waiter = {
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject,
        timer: setTimeout(
          () =>
            leave(new NoFreeConnectionError(`no free connection within ${waitMs} ms (all ${this.max} busy)`)),
          waitMs,
        ),
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(w);
    });
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) {
      // The slot passes straight to the next waiter.
      clearTimeout(next.timer);
      next.resolve();
    } else if (this.#inUse > 0) this.#inUse--;
  }
}
