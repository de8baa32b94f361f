import { type LogFormat, redact, redactDeep, textDestination } from "@vmcp/shared-types";
import { type Logger, type LoggerOptions as PinoOptions, pino } from "pino";

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
  /** json (default) or text; the same records either way. */
  format?: LogFormat;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? (opts.debug ? "debug" : "info");
  const options: PinoOptions = {
    level,
    base: { name: "vmcp" },
    // The format both binaries share: ISO-8601 time, level by name.
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    // Paths catch credentials in known fields; this catches them inside any string (an error a
    // backend or token endpoint echoed, a URL with a token in it).
    hooks: {
      logMethod(args, method) {
        const clean = args.map((a) => (typeof a === "string" ? redact(a) : redactDeep(a)));
        method.apply(this, clean as Parameters<typeof method>);
      },
    },
  };
  if (opts.format === "text") return pino(options, textDestination(opts.destination ?? process.stdout));
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
