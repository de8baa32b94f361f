import type * as z from "zod";

/** One thing wrong with a config file, located by its dotted path (e.g. `backends[0].url`). */
export interface Problem {
  path: string;
  message: string;
}

export type PathSegment = string | number;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function formatPath(segments: readonly PropertyKey[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else {
      const key = String(s);
      out += IDENT.test(key) ? (out ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/** Human-readable list for `vmcp validate` and startup failures. */
export function formatProblems(
  problems: readonly (Problem & { line?: number | undefined })[],
  file?: string,
): string {
  const head = `${file ? `${file}: ` : ""}${problems.length} problem${problems.length === 1 ? "" : "s"} found`;
  const lines = problems.map((p) => {
    const where = p.path ? `${p.path}${p.line !== undefined ? ` (line ${p.line})` : ""}: ` : "";
    return `  - ${where}${p.message}`;
  });
  return [head, ...lines].join("\n");
}

export function sortProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// --- zod issue -> Problem ------------------------------------------------------------------------

interface ZodDefLike {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
  getter?: () => z.ZodType;
}

function defOf(schema: z.ZodType): ZodDefLike {
  return (schema as unknown as { _zod: { def: ZodDefLike } })._zod.def;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 20; i++) {
    const d = defOf(s);
    if (d.innerType) s = d.innerType;
    else if (d.type === "pipe" && d.in) s = d.in;
    else if (d.type === "lazy" && d.getter) s = d.getter();
    else break;
  }
  return s;
}

/** The object keys the schema accepts at `path`, for "did you mean" hints on unknown keys. */
export function knownKeysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let s = unwrap(root);
  for (const seg of path) {
    const d = defOf(s);
    if (d.type === "object" && d.shape && typeof seg === "string") {
      const next = d.shape[seg];
      if (!next) return undefined;
      s = unwrap(next);
    } else if (d.type === "array" && d.element) s = unwrap(d.element);
    else if (d.type === "record" && d.valueType) s = unwrap(d.valueType);
    else return undefined;
  }
  const d = defOf(s);
  return d.type === "object" && d.shape ? Object.keys(d.shape) : undefined;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/** snake_case and case slips are common when copying ToolHive/Go examples. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.replace(/[_-]/g, "").toLowerCase();
  const exact = known.find((k) => norm(k) === norm(key));
  if (exact) return exact;
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function describeType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `a ${typeof v}`;
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  object: "a mapping",
  array: "a list",
  record: "a mapping",
};

export function problemsFromZod(
  schema: z.ZodType,
  raw: unknown,
  issues: readonly z.core.$ZodIssue[],
): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path;
    switch (issue.code) {
      case "unrecognized_keys": {
        const known = knownKeysAt(schema, path) ?? [];
        for (const key of issue.keys) {
          const hint = suggestKey(key, known);
          out.push({
            path: formatPath([...path, key]),
            message: `unknown field${hint ? `; did you mean "${hint}"?` : ""}${
              known.length > 0 ? ` (allowed here: ${known.join(", ")})` : ""
            }`,
          });
        }
        break;
      }
      case "invalid_type": {
        const got = valueAt(raw, path);
        const want = EXPECTED[issue.expected] ?? issue.expected;
        out.push({
          path: formatPath(path),
          message: got === undefined ? `is required (${want})` : `must be ${want}, not ${describeType(got)}`,
        });
        break;
      }
      case "invalid_value": {
        const got = valueAt(raw, path);
        const allowed = issue.values.map((v) => JSON.stringify(v)).join(", ");
        out.push({
          path: formatPath(path),
          message: `must be one of ${allowed}${typeof got === "string" ? ` (got ${JSON.stringify(got)})` : ""}`,
        });
        break;
      }
      case "too_small":
        out.push({
          path: formatPath(path),
          message:
            issue.minimum === 1 && (issue.origin === "string" || issue.origin === "array")
              ? "must not be empty"
              : `must be at least ${String(issue.minimum)}${issue.origin === "string" ? " characters" : issue.origin === "array" ? " items" : ""}`,
        });
        break;
      case "too_big":
        out.push({
          path: formatPath(path),
          message: `must be at most ${String(issue.maximum)}${issue.origin === "string" ? " characters" : issue.origin === "array" ? " items" : ""}`,
        });
        break;
      default:
        out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}
