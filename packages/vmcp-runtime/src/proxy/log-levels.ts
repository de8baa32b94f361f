// MCP's log levels (RFC 5424's, least severe first). The server has one level for its one session;
// each client of the proxy sets its own, the server is set to the most verbose of them and each
// client's GET stream gets only the messages at or above its own level.
export const LOG_LEVELS = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const isLogLevel = (v: unknown): v is LogLevel =>
  typeof v === "string" && (LOG_LEVELS as readonly string[]).includes(v);

const rank = (l: LogLevel): number => LOG_LEVELS.indexOf(l);

/** Whether a message of `level` is for a client that asked for `wanted` (none asked: everything). */
export function wantsMessage(wanted: LogLevel | undefined, level: unknown): boolean {
  if (wanted === undefined) return true;
  return isLogLevel(level) ? rank(level) >= rank(wanted) : true;
}

/** The most verbose of the levels the clients set; undefined when none set one. */
export function mostVerbose(levels: Iterable<LogLevel | undefined>): LogLevel | undefined {
  let best: LogLevel | undefined;
  for (const l of levels) if (l !== undefined && (best === undefined || rank(l) < rank(best))) best = l;
  return best;
}
