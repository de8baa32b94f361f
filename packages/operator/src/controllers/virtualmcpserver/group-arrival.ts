// A group and its server are usually created together (a chart, a script): the server's first
// reconcile may find the group not yet in the cache, or in it without the status the MCPGroup
// controller writes within a moment. Reporting "not found" / "not ready" then costs a status write
// and an Event now and another status write a moment later, for a state the user never caused.

/** How long a new group may go without its first status before its servers report it not ready. */
export const GROUP_FIRST_STATUS_GRACE_MS = 10_000;

interface GroupLike {
  metadata: { creationTimestamp?: Date | string | undefined };
  status?: { phase?: string | undefined } | undefined;
}

/**
 * Milliseconds to wait (re-queue) before evaluating against `group`, or undefined to go on: a group
 * with no phase yet, created less than the grace ago, is about to get one (its status event
 * re-queues the server anyway; the re-queue bounds the wait if it never comes).
 */
export function firstGroupStatusWaitMs(group: GroupLike, now: Date): number | undefined {
  if (group.status?.phase) return undefined;
  const created = group.metadata.creationTimestamp;
  if (created === undefined) return undefined;
  const age = now.getTime() - new Date(created).getTime();
  if (!Number.isFinite(age) || age >= GROUP_FIRST_STATUS_GRACE_MS) return undefined;
  return GROUP_FIRST_STATUS_GRACE_MS - Math.max(0, age);
}
