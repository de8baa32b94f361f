import { DURATION_PATTERN, HEADER_NAME_PATTERN, parseDuration } from "@vmcp/shared-types";
import { authzConfigProblems } from "./authz-problems.ts";
import { formatPath, type PathSegment, type Problem } from "./problems.ts";
import { arr, entries, obj, type Raw, str } from "./raw.ts";

/**
 * Cross-field rules the schema cannot express or does not reach (zod skips refinements of an
 * object whose fields already failed). They read the raw YAML value defensively so every problem
 * is reported in one run.
 */
export function validateCrossField(raw: Raw): Problem[] {
  const problems: Problem[] = [];
  const add = (path: PathSegment[], message: string) => problems.push({ path: formatPath(path), message });

  uniqueKeys(arr(raw.backends), ["backends"], "name", "backend", add);
  uniqueKeys(arr(raw.compositeTools), ["compositeTools"], "name", "composite tool", add);
  uniqueKeys(arr(raw.compositeToolRefs), ["compositeToolRefs"], "name", "composite tool reference", add);

  checkAggregation(obj(raw.aggregation), add);
  checkOperational(obj(raw.operational), add);
  checkPassthrough(arr(raw.passthroughHeaders), add);
  arr(raw.backends).forEach((b, i) => {
    checkHeaderNames(arr(obj(b)?.headers), ["backends", i, "headers"], add);
  });
  checkIncomingAuth(obj(raw.incomingAuth), add);
  for (const p of authzConfigProblems(obj(raw.incomingAuth)?.authz))
    add(["incomingAuth", "authz", ...p.path], p.message);
  const outgoing = obj(raw.outgoingAuth);
  if (outgoing) {
    const anonymous = str(obj(raw.incomingAuth)?.type) === "anonymous";
    const strategies: [unknown, PathSegment[]][] = entries(outgoing.backends).map(([name, s]) => [
      s,
      ["outgoingAuth", "backends", name],
    ]);
    if (outgoing.default !== undefined) strategies.unshift([outgoing.default, ["outgoingAuth", "default"]]);
    for (const [s, at] of strategies) {
      checkStrategy(obj(s), at, add);
      // Token exchange trades the caller's token; anonymous callers have none, so every call fails.
      if (anonymous && str(obj(s)?.type) === "token_exchange")
        add(
          [...at, "type"],
          "token_exchange needs the caller's token, but incomingAuth is anonymous: every call would fail (use incomingAuth type oidc, or another strategy)",
        );
    }
  }
  return problems;
}

type Add = (path: PathSegment[], message: string) => void;

function uniqueKeys(list: unknown[], at: PathSegment[], key: string, what: string, add: Add): void {
  const first = new Map<string, number>();
  list.forEach((item, i) => {
    const k = str(obj(item)?.[key]);
    if (k === undefined) return;
    const prev = first.get(k);
    if (prev !== undefined)
      add([...at, i, key], `duplicate ${what} "${k}" (first defined at ${formatPath([...at, prev])})`);
    else first.set(k, i);
  });
}

function checkAggregation(agg: Raw | undefined, add: Add): void {
  if (!agg) return;
  const strategy = str(agg.conflictResolution) ?? "prefix";
  const tools = arr(agg.tools);
  uniqueKeys(tools, ["aggregation", "tools"], "workload", "workload entry", add);

  const crc = obj(agg.conflictResolutionConfig);
  const order = arr(crc?.priorityOrder);
  const seen = new Set<string>();
  order.forEach((b, i) => {
    const name = str(b);
    if (name === undefined) return;
    if (seen.has(name))
      add(["aggregation", "conflictResolutionConfig", "priorityOrder", i], `"${name}" is listed twice`);
    seen.add(name);
  });

  // Renames that are bound to collide, whatever the backends offer.
  const byNewName = new Map<string, PathSegment[][]>();
  let overrideCount = 0;
  tools.forEach((entry, i) => {
    const e = obj(entry);
    const workload = str(e?.workload);
    const inWorkload = new Map<string, string>();
    for (const [tool, ov] of entries(e?.overrides)) {
      overrideCount++;
      const newName = str(obj(ov)?.name);
      if (newName === undefined) continue;
      const path: PathSegment[] = ["aggregation", "tools", i, "overrides", tool, "name"];
      const clash = inWorkload.get(newName);
      if (clash !== undefined) {
        add(
          path,
          `renames "${tool}" to "${newName}", which "${clash}" of the same workload is already renamed to`,
        );
      }
      inWorkload.set(newName, tool);
      if (workload !== undefined) {
        const list = byNewName.get(newName) ?? [];
        list.push(path);
        byNewName.set(newName, list);
      }
    }
  });
  if (strategy === "manual") {
    if (overrideCount === 0) {
      add(
        ["aggregation", "tools"],
        "conflictResolution manual needs tool overrides (aggregation.tools[].overrides) that rename clashing tools; use prefix or priority to resolve clashes automatically",
      );
    }
    for (const [newName, paths] of byNewName) {
      if (paths.length < 2) continue;
      for (const p of paths.slice(1)) {
        add(p, `collision after override: "${newName}" is also the new name at ${formatPath(paths[0]!)}`);
      }
    }
  }
}

function durationMs(v: unknown): number | undefined {
  const s = str(v);
  return s !== undefined && DURATION_PATTERN.test(s) ? parseDuration(s) : undefined;
}

function checkOperational(op: Raw | undefined, add: Add): void {
  if (!op) return;
  const timeouts = obj(op.timeouts);
  if (timeouts) {
    if (durationMs(timeouts.default) === 0)
      add(["operational", "timeouts", "default"], "must be greater than 0");
    for (const [w, d] of entries(timeouts.perWorkload)) {
      if (durationMs(d) === 0) add(["operational", "timeouts", "perWorkload", w], "must be greater than 0");
    }
  }
  const fh = obj(op.failureHandling);
  if (fh) {
    const interval = fh.healthCheckInterval === undefined ? 30_000 : durationMs(fh.healthCheckInterval);
    const timeout = fh.healthCheckTimeout === undefined ? 10_000 : durationMs(fh.healthCheckTimeout);
    if (interval !== undefined && timeout !== undefined && interval > 0 && timeout >= interval) {
      const show = (v: unknown, dflt: string) => (v === undefined ? `${dflt}, the default` : String(v));
      add(
        ["operational", "failureHandling", "healthCheckTimeout"],
        `healthCheckTimeout (${show(fh.healthCheckTimeout, "10s")}) must be shorter than healthCheckInterval (${show(
          fh.healthCheckInterval,
          "30s",
        )}) so checks cannot pile up`,
      );
    }
  }
}

function checkPassthrough(headers: unknown[], add: Add): void {
  const seen = new Map<string, number>();
  headers.forEach((h, i) => {
    const name = str(h);
    if (name === undefined) return;
    const lower = name.toLowerCase();
    const prev = seen.get(lower);
    if (prev !== undefined)
      add(["passthroughHeaders", i], `${name} is listed twice (also at passthroughHeaders[${prev}])`);
    else seen.set(lower, i);
  });
}

/** A backend's fixed headers: one value per header, whatever the spelling (names are case-insensitive). */
function checkHeaderNames(headers: unknown[], at: PathSegment[], add: Add): void {
  const seen = new Map<string, number>();
  headers.forEach((h, i) => {
    const name = str(obj(h)?.name);
    if (name === undefined) return;
    const prev = seen.get(name.toLowerCase());
    if (prev !== undefined)
      add([...at, i, "name"], `${name} is set twice (also at ${formatPath([...at, prev])})`);
    else seen.set(name.toLowerCase(), i);
  });
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "localhost" || host === "127.0.0.1" || host === "[::1]";
  } catch {
    return false;
  }
}

function checkIncomingAuth(auth: Raw | undefined, add: Add): void {
  const oidc = obj(auth?.oidc);
  if (!oidc || oidc.insecureAllowHttp === true) return;
  for (const key of ["issuer", "jwksUrl"] as const) {
    const url = str(oidc[key]);
    if (url?.startsWith("http://") && !isLoopback(url)) {
      add(
        ["incomingAuth", "oidc", key],
        "uses plain http: tokens and keys could be forged in transit; use https, or set insecureAllowHttp: true for a trusted network",
      );
    }
  }
}

const SUBJECT_TOKEN_TYPES = /^(access_token|id_token|jwt|urn:ietf:params:oauth:token-type:[a-z_]+)$/;

function checkStrategy(s: Raw | undefined, at: PathSegment[], add: Add): void {
  const headerName = str(obj(s?.headerInjection)?.headerName);
  if (headerName !== undefined && headerName !== "") {
    const lower = headerName.toLowerCase();
    if (!HEADER_NAME_PATTERN.test(headerName)) {
      add(
        [...at, "headerInjection", "headerName"],
        "must be an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)",
      );
    } else if (
      [
        "host",
        "content-length",
        "content-type",
        "transfer-encoding",
        "connection",
        "mcp-session-id",
        "mcp-protocol-version",
      ].includes(lower)
    ) {
      add(
        [...at, "headerInjection", "headerName"],
        `${headerName} is set by the gateway itself and cannot be injected`,
      );
    }
  }
  const te = obj(s?.tokenExchange);
  if (!te) return;
  const hasSecret = te.clientSecret !== undefined || te.clientSecretEnv !== undefined;
  if (hasSecret && te.clientId === undefined) {
    add(
      [...at, "tokenExchange", "clientId"],
      "is required when a client secret is set (the token endpoint authenticates the client with both)",
    );
  }
  const stt = str(te.subjectTokenType);
  if (stt !== undefined && !SUBJECT_TOKEN_TYPES.test(stt)) {
    add(
      [...at, "tokenExchange", "subjectTokenType"],
      "must be access_token, id_token, jwt or a urn:ietf:params:oauth:token-type:* URN",
    );
  }
}
