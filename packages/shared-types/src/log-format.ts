// The one log format of both binaries. JSON (default): one object per line with an ISO-8601
// `time` and a `level` name. Text: the same record as `<time> <LEVEL> [<name>] <msg> key=value...`
// for a terminal.

export const LOG_FORMATS = ["json", "text"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export function parseLogFormat(text: string | undefined): LogFormat {
  if (text === undefined || text === "") return "json";
  if ((LOG_FORMATS as readonly string[]).includes(text)) return text as LogFormat;
  throw new Error(`--log-format must be json or text, got ${JSON.stringify(text)}`);
}

const FIRST = ["time", "level", "name", "msg"];

const value = (v: unknown): string => {
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
};

/** One JSON log line (as the loggers write it) as a text line; a line that is not JSON is kept. */
export function jsonToTextLine(line: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const head = [
    String(rec.time ?? ""),
    String(rec.level ?? "")
      .toUpperCase()
      .padEnd(5),
    rec.name ? `[${String(rec.name)}]` : "",
    String(rec.msg ?? ""),
  ].filter(Boolean);
  const rest = Object.entries(rec)
    .filter(([k]) => !FIRST.includes(k))
    .map(([k, v]) => `${k}=${value(v)}`);
  return [...head, ...rest].join(" ");
}

/** A pino destination writing text lines to `out` (pino hands it one JSON record per write). */
export function textDestination(out: NodeJS.WritableStream): { write(chunk: string): boolean } {
  return {
    write(chunk: string) {
      for (const line of chunk.split("\n")) if (line) out.write(`${jsonToTextLine(line)}\n`);
      return true;
    },
  };
}
