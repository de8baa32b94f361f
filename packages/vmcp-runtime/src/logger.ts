import { type Logger, pino } from "pino";

export type { Logger };

/** Paths that may carry credentials anywhere in a log object; pino replaces them. */
export const REDACT_PATHS = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "token",
  "*.token",
  "accessToken",
  "*.accessToken",
  "clientSecret",
  "*.clientSecret",
  "headerValue",
  "*.headerValue",
  "secrets",
  "*.secrets",
];

export interface LoggerOptions {
  debug?: boolean;
  level?: string;
  /** Where to write (default stdout); tests pass a stream to capture. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? (opts.debug ? "debug" : "info");
  const options = { level, base: { name: "vmcp" }, redact: { paths: REDACT_PATHS, censor: "[redacted]" } };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
