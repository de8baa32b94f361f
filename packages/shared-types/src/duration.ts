// Go-style durations ("30s", "1m0s", "1.5h"), as ToolHive's config.Duration serializes them.
import * as z from "zod";

// The patterns are built from strings with "\u00b5" for "µ" because esbuild copies a regex
// literal's non-ASCII characters into the bundle as they are, and one such character makes Node
// hold the whole 1.5 MiB chunk as two-byte source: 1.4 MiB more idle RSS (docs/performance.md).
// biome-ignore lint/complexity/useRegexLiterals: a literal would keep the µ in the bundle
export const DURATION_PATTERN = new RegExp("^([0-9]+(\\.[0-9]+)?(ns|us|\u00b5s|ms|s|m|h))+$");
// biome-ignore lint/complexity/useRegexLiterals: as above
const DURATION_PART = new RegExp("([0-9]+(?:\\.[0-9]+)?)(ns|us|\u00b5s|ms|s|m|h)", "g");

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go duration string into milliseconds. Throws on anything the pattern rejects. */
export function parseDuration(text: string): number {
  if (!DURATION_PATTERN.test(text)) throw new Error(`invalid duration ${JSON.stringify(text)}`);
  let total = 0;
  for (const m of text.matchAll(DURATION_PART)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  }
  return total;
}

/** parseDuration, or undefined for text the pattern rejects (that error is reported separately). */
export function tryParseDuration(text: string): number | undefined {
  return DURATION_PATTERN.test(text) ? parseDuration(text) : undefined;
}

/** Formats milliseconds the way Go's time.Duration.String() does for whole units ("1m0s", "30s", "250ms"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

export const DurationSchema = z
  .string()
  .max(64)
  .regex(DURATION_PATTERN, "must be a duration such as 30s, 1m or 1h30m");
export type Duration = z.output<typeof DurationSchema>;
