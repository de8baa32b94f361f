// A group, its members and its server are usually created together (a chart, a script): the
// server's first reconcile may find the group not yet in the cache, or the group or a member in it
// without the status its controller writes within a moment. Reporting "not found", "not ready" or
// "no backends" then costs a status write and an Event now and another status write a moment
// later, for a state the user never caused.

/** How long a new group or member may go without its first phase before its servers judge it. */
export const FIRST_STATUS_GRACE_MS = 10_000;

interface StatusHolder {
  metadata: { creationTimestamp?: Date | string | undefined };
  status?: { phase?: string | undefined } | undefined;
}

/**
 * Milliseconds to wait (re-queue) before evaluating against `obj`, or undefined to go on: a group
 * or member with no phase yet, created less than the grace ago, is about to get one (its status
 * event re-queues the server anyway; the re-queue bounds the wait if it never comes).
 */
export function firstStatusWaitMs(obj: StatusHolder, now: Date): number | undefined {
  if (obj.status?.phase) return undefined;
  const created = obj.metadata.creationTimestamp;
  if (created === undefined) return undefined;
  const age = now.getTime() - new Date(created).getTime();
  if (!Number.isFinite(age) || age >= FIRST_STATUS_GRACE_MS) return undefined;
  return FIRST_STATUS_GRACE_MS - Math.max(0, age);
}

/** The longest wait any of `objs` asks for (see firstStatusWaitMs), or undefined. */
export function arrivalWaitMs(objs: readonly (StatusHolder | undefined)[], now: Date): number | undefined {
  let wait: number | undefined;
  for (const o of objs) {
    const w = o && firstStatusWaitMs(o, now);
    if (w !== undefined && (wait === undefined || w > wait)) wait = w;
  }
  return wait;
}
