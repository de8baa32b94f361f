/** Exponential backoff with full jitter on the upper half: delay in [d/2, d], d = min(max, initial*2^n). */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const d = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt));
  return Math.round(d / 2 + (random() * d) / 2);
}

/** Sleeps for ms, resolving early (without throwing) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
