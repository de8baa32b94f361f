// Helpers the integration and e2e suites of every package share. Tests await conditions, never
// sleep: these poll with a deadline and report the last error when it passes.

/** Polls `check` until it returns something other than undefined/false, or throws at the deadline. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Polls `check` until it returns a truthy value, or throws at the deadline. */
export function eventually<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<NonNullable<T>> {
  return waitFor(what, async () => (await check()) || undefined, timeoutMs, intervalMs) as Promise<
    NonNullable<T>
  >;
}
