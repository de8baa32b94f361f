import { readFile } from "node:fs/promises";
import { type VmcpConfig, VmcpConfigSchema } from "@vmcp/shared-types";
import { isMap, LineCounter, parseDocument } from "yaml";
import { formatPath, type Problem, problemsFromZod, sortProblems } from "./problems.ts";
import { obj, type Raw } from "./raw.ts";
import { type ResolvedSecrets, resolveEnvSecrets } from "./secrets.ts";
import { validateCrossField } from "./validate.ts";

export { formatProblems, type Problem } from "./problems.ts";
export { envSecretKey, lookupEnvSecret, type ResolvedSecrets } from "./secrets.ts";

export interface LocatedProblem extends Problem {
  /** 1-based position in the file of the offending key or value, when known. */
  line?: number;
  column?: number;
}

export type LoadResult =
  | { ok: true; config: VmcpConfig; secrets: ResolvedSecrets; warnings: string[] }
  | { ok: false; problems: LocatedProblem[] };

/** Reads, parses and fully validates a config.yaml. Never throws for a bad file. */
export async function loadConfigFile(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      problems: [{ path: "", message: `cannot read config file ${path}: ${code ?? (err as Error).message}` }],
    };
  }
  return loadConfigText(text, env);
}

/** ToolHive's own validator spells it bestEffort while its CRD says best_effort; accept both. */
function normalizeAliases(raw: Raw, warnings: string[]): void {
  const fh = obj(obj(raw.operational)?.failureHandling);
  if (fh?.partialFailureMode === "bestEffort") {
    fh.partialFailureMode = "best_effort";
    warnings.push('operational.failureHandling.partialFailureMode "bestEffort" read as "best_effort"');
  }
}

export function loadConfigText(text: string, env: NodeJS.ProcessEnv = process.env): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const msg = (e.message.split("\n")[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, "");
        return {
          path: "",
          message: pos
            ? `YAML syntax error at line ${pos.line}, column ${pos.col}: ${msg}`
            : `YAML syntax error: ${msg}`,
          ...(pos ? { line: pos.line, column: pos.col } : {}),
        };
      }),
    };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return {
      ok: false,
      problems: [{ path: "", message: `YAML could not be read: ${(err as Error).message}` }],
    };
  }
  if (raw === null || raw === undefined)
    return { ok: false, problems: [{ path: "", message: "config file is empty" }] };
  const root = obj(raw);
  if (!root)
    return { ok: false, problems: [{ path: "", message: "the top level must be a mapping of config keys" }] };

  const warnings: string[] = [];
  normalizeAliases(root, warnings);
  const parsed = VmcpConfigSchema.safeParse(root);
  const cross = validateCrossField(root);
  const crossPaths = new Set(cross.map((p) => p.path));
  const schemaProblems = parsed.success
    ? []
    : problemsFromZod(
        VmcpConfigSchema,
        root,
        // Duplicates and cross-field refinements are reported (with more context) by validateCrossField.
        parsed.error.issues.filter(
          (i) =>
            !(
              i.code === "custom" &&
              (i.message.startsWith("duplicate entry for key") || crossPaths.has(formatPath(i.path)))
            ),
        ),
      );
  const { secrets, problems: secretProblems } = resolveEnvSecrets(root, env);
  const problems = sortProblems([...schemaProblems, ...cross, ...secretProblems]);
  if (problems.length > 0 || !parsed.success) {
    const located = problems.map((p) => locate(p, doc, lineCounter));
    // File order reads best; problems without a position (missing top-level keys) come first.
    located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    return { ok: false, problems: located };
  }
  return { ok: true, config: parsed.data, secrets, warnings };
}

function locate(p: Problem, doc: ReturnType<typeof parseDocument>, lc: LineCounter): LocatedProblem {
  const segs = parsePath(p.path);
  if (segs.length === 0) return p;
  // The deepest node that exists: the value itself, or the mapping that lacks the key.
  for (let n = segs.length; n > 0; n--) {
    const parent = n > 1 ? doc.getIn(segs.slice(0, n - 1), true) : doc.contents;
    const key = segs[n - 1];
    let offset: number | undefined;
    if (isMap(parent)) {
      const pair = parent.items.find((it) => (it.key as { value?: unknown } | null)?.value === key);
      offset = (pair?.key as { range?: [number, number, number] } | null)?.range?.[0];
    }
    offset ??= (doc.getIn(segs.slice(0, n), true) as { range?: [number, number, number] } | undefined)
      ?.range?.[0];
    if (offset !== undefined) {
      const pos = lc.linePos(offset);
      return { ...p, line: pos.line, column: pos.col };
    }
  }
  return p;
}

/** Inverse of formatPath for the paths we produce. */
function parsePath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
  }
  return out;
}
