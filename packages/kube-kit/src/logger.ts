import { type LogFormat, textDestination } from "@vmcp/shared-types";
import { type Logger, pino } from "pino";

export type { Logger };

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** json (default) or text. */
  format?: LogFormat;
}

/** Logs to stdout (pino) in the runtime's format: ISO time, level names; level from the option or LOG_LEVEL. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const options = {
    name: opts.name ?? "vmcp-operator",
    level: opts.level ?? process.env.LOG_LEVEL ?? "info",
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return opts.format === "text" ? pino(options, textDestination(process.stdout)) : pino(options);
}

/** A logger that drops everything, for components constructed without one. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
