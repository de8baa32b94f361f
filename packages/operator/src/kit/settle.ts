export interface SettleTiming {
  quietMs: number;
  maxWaitMs: number;
}

/**
 * Per-key trailing debounce with a ceiling. `touch(key)` (re)starts the key's quiet timer; the key
 * fires once nothing touched it for `quietMs`, or `maxWaitMs` after its first touch, whichever
 * comes first, so a burst costs one firing and steady churn still fires every `maxWaitMs`.
 * One timer per pending key and a fired key is forgotten: the map holds at most the keys touched
 * within the last `maxWaitMs`.
 */
export class Settler {
  readonly #pending = new Map<string, { first: number; timer: NodeJS.Timeout }>();
  readonly #timing: SettleTiming;
  readonly #fire: (key: string) => void;

  constructor(timing: SettleTiming, fire: (key: string) => void) {
    this.#timing = timing;
    this.#fire = fire;
  }

  touch(key: string): void {
    const now = Date.now();
    const pending = this.#pending.get(key);
    const first = pending?.first ?? now;
    if (pending) clearTimeout(pending.timer);
    const delay = Math.min(this.#timing.quietMs, first + this.#timing.maxWaitMs - now);
    if (delay <= 0) {
      this.#pending.delete(key);
      this.#fire(key);
      return;
    }
    // Unref'd: a pending status write never keeps the process alive; after the controller stops,
    // its queue ignores the key.
    const timer = setTimeout(() => {
      this.#pending.delete(key);
      this.#fire(key);
    }, delay);
    timer.unref?.();
    this.#pending.set(key, { first, timer });
  }
}
