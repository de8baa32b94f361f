import { type Logger, pino } from "pino";

export type { Logger };

export interface LoggerOptions {
  level?: string;
  name?: string;
}

/** JSON logs to stdout (pino), level from the option or LOG_LEVEL, default info. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino({
    name: opts.name ?? "vmcp-operator",
    level: opts.level ?? process.env.LOG_LEVEL ?? "info",
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** A logger that drops everything, for components constructed without one. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
