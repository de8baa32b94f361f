// Scale benchmark (not a test): one `vmcp serve` in front of B real SDK backends with T tools each
// (hosted by one child process), measured against a baseline gateway of another checkout in the
// same run. Prints, per B: start to first complete tools/list, RSS after start and after load,
// tools/list p50/p99 at c=1 and c=16, /status p50 (the status snapshot plus its JSON), and a
// sessions scenario (S sessions, each initialize + one tools/call): errors, p50/p99, RSS per
// session, connections from the gateway to the backends, the gateway's own latency for those
// calls (its request histogram), and the health checks per second the backends saw.
//   node bench/scale/run.ts [--backends 10,50,200] [--tools 50] [--sessions 1000]
//     [--baseline-root /work/main] [--lists 200] [--target spread|one]
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { benchArgs } from "../helpers/args.ts";
import { imageNodeArgs, rssMiB, waitForLine } from "../helpers/process.ts";

const { values } = benchArgs(import.meta.url, {
  options: {
    backends: { type: "string", default: "10,50,200" },
    tools: { type: "string", default: "50" },
    sessions: { type: "string", default: "1000" },
    lists: { type: "string", default: "200" },
    "baseline-root": { type: "string" },
    /** spread: session i calls backend i mod B; one: every session calls b0. */
    target: { type: "string", default: "spread" },
    /** 0: each session makes one tools/call right after its initialize. N > 0: all sessions
     * are opened first, then each calls a tool once a second for N seconds (their seconds
     * staggered evenly), the gateway-side figures then being those calls'. */
    "session-seconds": { type: "string", default: "0" },
    /** Seconds of health checks counted at the backends after start (one default interval). */
    "probe-window": { type: "string", default: "30" },
  },
});
const PROBE_WINDOW_MS = Number(values["probe-window"]) * 1000;
/** Each checkout's gateway runs as its runtime image does, with that checkout's NODE_OPTIONS
 * (without flags V8 sizes the young generation from the machine's memory: 128 MiB of RSS on a
 * 24 GiB machine). BENCH_GATEWAY_NODE_ARGS overrides both. */
const gatewayNodeArgs = (checkout: string): string[] =>
  imageNodeArgs(checkout, process.env.BENCH_GATEWAY_NODE_ARGS);
const LEVELS = values.backends.split(",").map(Number);
const T = Number(values.tools);
const S = Number(values.sessions);
const LISTS = Number(values.lists);
const SESSION_SECONDS = Number(values["session-seconds"]);
const root = new URL("../../", import.meta.url).pathname;
const checkouts: Array<[string, string]> = [["this", root]];
if (values["baseline-root"]) checkouts.unshift(["baseline", values["baseline-root"]]);

/** Children still running, stopped when the benchmark is interrupted. */
const children = new Set<ChildProcess>();
for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.once(sig, () => {
    for (const c of children) c.kill("SIGTERM");
    process.exit(130);
  });
const track = (c: ChildProcess): ChildProcess => {
  children.add(c);
  c.once("exit", () => children.delete(c));
  return c;
};

const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux
/** CPU time (µs) the process has used: robust to other load on the machine, unlike latency. */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}

/** Established TCP connections to the given local ports (the backends' listeners). */
function connectionsTo(ports: Set<number>): number {
  let n = 0;
  for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(f, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== "01") continue;
      const rem = Number.parseInt(cols[2]?.split(":")[1] ?? "", 16);
      if (ports.has(rem)) n++;
    }
  }
  return n;
}

interface Backends {
  urls: string[];
  child: ChildProcess;
  /** Times (ms since epoch) the backends saw a health check (a new session or a ping) since
   * the last call. */
  probes(): Promise<number[]>;
}

async function startBackends(b: number): Promise<Backends> {
  const child = track(
    spawn(process.execPath, [join(root, "bench/scale/backend-host.ts")], {
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, SCALE_BACKENDS: String(b), SCALE_TOOLS: String(T) },
    }),
  );
  const waiting: Array<(probes: number[]) => void> = [];
  const urls = new Promise<string[]>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`backend host exited early (${code})`)));
    createInterface({ input: child.stdout! }).on("line", (l) => {
      if (!l.startsWith("{")) return;
      const o = JSON.parse(l) as { urls?: string[]; probes?: number[] };
      if (o.urls) resolve(o.urls);
      if (o.probes) waiting.shift()?.(o.probes);
    });
  });
  return {
    urls: await urls,
    child,
    probes: () =>
      new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin!.write("probes\n");
      }),
  };
}

/** Health checks per second in 3-second windows over [from, to): mean and the busiest window. */
function probeRate(times: number[], from: number, to: number): { mean: number; max: number } {
  const W = 3000;
  const n = Math.max(1, Math.floor((to - from) / W));
  const counts = new Array<number>(n).fill(0);
  for (const t of times) {
    const i = Math.floor((t - from) / W);
    if (i >= 0 && i < n) counts[i]! += 1;
  }
  const total = counts.reduce((a, c) => a + c, 0);
  return { mean: total / n / (W / 1000), max: Math.max(...counts) / (W / 1000) };
}

/** vmcp_request_duration_seconds buckets (cumulative, per bound) summed over backends, for some
 * methods, from a /metrics scrape. */
async function durationBuckets(base: string, methods: string[]): Promise<Map<number, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out = new Map<number, number>();
  for (const line of text.split("\n")) {
    const m = /^vmcp_request_duration_seconds_bucket\{(.*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const method = /method="([^"]*)"/.exec(m[1]!)?.[1];
    const le = /le="([^"]*)"/.exec(m[1]!)?.[1];
    if (!method || !le || !methods.includes(method)) continue;
    const bound = le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
    out.set(bound, (out.get(bound) ?? 0) + Number(m[2]));
  }
  return out;
}

/** From the gateway's default Node metrics: seconds spent in GC so far, and the event loop's
 * lag p99 and max (seconds) since its histogram was last reset (prom-client resets it per scrape). */
async function nodeMetrics(base: string): Promise<{ gcS: number; lagP99: number; lagMax: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let gcS = 0;
  let lagP99 = Number.NaN;
  let lagMax = Number.NaN;
  for (const line of text.split("\n")) {
    const gc = /^nodejs_gc_duration_seconds_sum\{[^}]*\} (\S+)$/.exec(line);
    if (gc) gcS += Number(gc[1]);
    const p99 = /^nodejs_eventloop_lag_p99_seconds (\S+)$/.exec(line);
    if (p99) lagP99 = Number(p99[1]);
    const max = /^nodejs_eventloop_lag_max_seconds (\S+)$/.exec(line);
    if (max) lagMax = Number(max[1]);
  }
  return { gcS, lagP99, lagMax };
}

/** A quantile (ms) of the difference of two bucket scrapes, interpolated within its bucket as
 * Prometheus' histogram_quantile does. */
function bucketQuantile(before: Map<number, number>, after: Map<number, number>, q: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const cum = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const total = cum[cum.length - 1] ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (cum[i]! < rank) continue;
    const lo = i === 0 ? 0 : bounds[i - 1]!;
    const hi = bounds[i]!;
    if (!Number.isFinite(hi)) return lo * 1000;
    const below = i === 0 ? 0 : cum[i - 1]!;
    return (lo + ((hi - lo) * (rank - below)) / (cum[i]! - below)) * 1000;
  }
  return Number.NaN;
}

async function startGateway(
  checkout: string,
  urls: string[],
  dir: string,
): Promise<{ url: string; child: ChildProcess; startMs: number }> {
  const cfg = join(dir, "config.yaml");
  await writeFile(
    cfg,
    [
      "name: bench",
      "groupRef: bench",
      "incomingAuth:",
      "  type: anonymous",
      "outgoingAuth:",
      "  source: inline",
      "aggregation:",
      "  conflictResolution: prefix",
      "  conflictResolutionConfig:",
      '    prefixFormat: "{workload}_"',
      "operational:",
      "  incoming:",
      `    maxSessions: ${Math.max(1000, S + 10)}`,
      `    maxSessionsPerCaller: ${Math.max(1000, S + 10)}`,
      "backends:",
      ...urls.flatMap((u, i) => [`  - name: b${i}`, `    url: ${u}`, "    transport: streamable-http"]),
      "",
    ].join("\n"),
  );
  const t0 = performance.now();
  const child = track(
    spawn(
      process.execPath,
      [
        ...gatewayNodeArgs(checkout),
        join(checkout, "packages/vmcp-runtime/src/main.ts"),
        "serve",
        "--config",
        cfg,
        "--host",
        "127.0.0.1",
        "--port",
        "0",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    ),
  );
  const url = await waitForLine(child, (l) => {
    try {
      const o = JSON.parse(l) as { msg?: string; url?: string };
      return o.msg === "vmcp serving" ? o.url : undefined;
    } catch {
      return undefined;
    }
  });
  return { url, child, startMs: performance.now() - t0 };
}

const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

async function rpc(
  url: string,
  body: object,
  sid?: string,
): Promise<{ sid: string | undefined; json: unknown }> {
  const r = await fetch(url, {
    method: "POST",
    headers: sid ? { ...HEADERS, "mcp-session-id": sid } : HEADERS,
    body: JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status !== 200 && r.status !== 202) throw new Error(`HTTP ${r.status}: ${text.slice(0, 200)}`);
  const json = text.startsWith("{") ? JSON.parse(text) : text;
  if (json && typeof json === "object" && "error" in json)
    throw new Error(`JSON-RPC error: ${JSON.stringify((json as { error: unknown }).error)}`);
  return { sid: r.headers.get("mcp-session-id") ?? sid, json };
}

/** One keep-alive connection for the raw listing timings, as one client would hold. */
const rawAgent = new Agent({ keepAlive: true, maxSockets: 16 });

/** POST a JSON-RPC body and wait for the last byte of the answer without decoding or parsing it:
 * the gateway's own latency for a large answer (the SDK client's figure adds a JSON.parse of
 * megabytes in this process). Resolves with the number of body bytes. */
function rawPost(url: string, body: string, sid: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent: rawAgent,
        headers: { ...HEADERS, "mcp-session-id": sid, "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let n = 0;
        res.on("data", (chunk: Buffer) => {
          n += chunk.length;
        });
        res.once("end", () =>
          res.statusCode === 200 ? resolve(n) : reject(new Error(`HTTP ${res.statusCode}`)),
        );
        res.once("error", reject);
      },
    );
    req.once("error", reject);
    req.end(body);
  });
}

async function session(url: string): Promise<string> {
  const init = await rpc(url, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
  });
  const sid = init.sid as string;
  await rpc(url, { jsonrpc: "2.0", method: "notifications/initialized" }, sid);
  return sid;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function timed(n: number, concurrency: number, f: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  let left = n;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) {
        const t = performance.now();
        await f();
        out.push(performance.now() - t);
      }
    }),
  );
  return out;
}

interface Row {
  path: string;
  b: number;
  startMs: number;
  rssStart: number;
  rssLoad: number;
  list1: [number, number];
  list16: [number, number];
  /** tools/list to the last byte of the raw HTTP answer, no parse (the gateway's part). */
  raw1: [number, number];
  raw16: [number, number];
  listBytes: number;
  /** Gateway CPU per tools/list and per GET /status. */
  listCpuMs: number;
  statusP50: number;
  statusCpuMs: number;
  sessErrors: number;
  sessP50: number;
  sessP99: number;
  steadyP50: number;
  steadyP99: number;
  /** Gateway-side (its own histogram): initialize and tools/call of the sessions scenario. */
  gwP50: number;
  gwP99: number;
  rssPerSession: number;
  /** CPU (percent of one core) during the sessions scenario: gateway, backend host, this process. */
  sessCpu: [number, number, number];
  /** Gateway GC (% of the scenario's wall time) and event-loop lag p99 / max (ms) in it. */
  sessGcPct: number;
  sessLag: [number, number];
  conns: number;
  /** Health checks per second seen by the backends: mean and busiest 3-second window. */
  probesMean: number;
  probesMax: number;
}

async function measure(
  path: string,
  checkout: string,
  b: number,
  urls: string[],
  ports: Set<number>,
  backends: Backends,
): Promise<Row> {
  const dir = await mkdtemp(join(tmpdir(), "vmcp-bench-scale-"));
  const gw = await startGateway(checkout, urls, dir);
  const pid = gw.child.pid as number;
  try {
    const sid = await session(gw.url);
    const first = await rpc(gw.url, { jsonrpc: "2.0", id: 1, method: "tools/list" }, sid);
    const tools = (first.json as { result: { tools: unknown[] } }).result.tools.length;
    if (tools !== b * T) throw new Error(`${path}: tools/list has ${tools} tools, expected ${b * T}`);
    const listBytes = JSON.stringify(first.json).length;
    await backends.probes(); // start-up's own checks are not the schedule
    const probesFrom = Date.now();
    const rssStart = rssMiB(pid);
    const list = () => rpc(gw.url, { jsonrpc: "2.0", id: 2, method: "tools/list" }, sid);
    await timed(Math.min(20, LISTS), 1, list);
    let cpu0 = cpuUs(pid);
    const l1 = await timed(LISTS, 1, list);
    const l16 = await timed(LISTS, 16, list);
    const rawBody = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    const rawList = () => rawPost(gw.url, rawBody, sid);
    await timed(Math.min(20, LISTS), 1, rawList);
    const r1 = await timed(LISTS, 1, rawList);
    const r16 = await timed(LISTS, 16, rawList);
    const listCpuMs = (cpuUs(pid) - cpu0) / (4 * LISTS + Math.min(20, LISTS)) / 1000;
    const base = gw.url.replace(/\/mcp$/, "");
    cpu0 = cpuUs(pid);
    const st = await timed(100, 1, async () => (await fetch(`${base}/status`)).text());
    const statusCpuMs = (cpuUs(pid) - cpu0) / 100 / 1000;
    const idle = probesFrom + PROBE_WINDOW_MS - Date.now();
    if (idle > 0) await new Promise((r) => setTimeout(r, idle));
    const probesTo = Date.now();
    const rate = probeRate(await backends.probes(), probesFrom, probesTo);
    // Sessions: S clients, each initialize + one tools/call, 50 at a time.
    const SESSION_METHODS = ["initialize", "tools/call"];
    const before = rssMiB(pid);
    let errors = 0;
    /** The first words of each kind of error, with how often it happened. */
    const errorKinds = new Map<string, number>();
    const noteError = (err: unknown) => {
      const k = String(err instanceof Error ? err.message : err).slice(0, 120);
      if (errorKinds.size < 20 || errorKinds.has(k)) errorKinds.set(k, (errorKinds.get(k) ?? 0) + 1);
    };
    let peakConns = 0;
    const sids: string[] = [];
    // Once a second: /proc/net/tcp lists every socket of the machine (thousands here), and
    // reading it ten times a second took a fifth of a core from the processes being measured.
    const probe = setInterval(() => {
      peakConns = Math.max(peakConns, connectionsTo(ports));
    }, 1000);
    const call = (s: string, i: number) =>
      rpc(
        gw.url,
        {
          jsonrpc: "2.0",
          id: 3,
          method: "tools/call",
          params: { name: `b${values.target === "one" ? 0 : i % b}_tool_1`, arguments: { query: "x" } },
        },
        s,
      );
    let lat: number[];
    /** Client-side latency of the sustained scenario's calls after its first 2 seconds (each
     * session's first call opens its backend session). */
    const steady: number[] = [];
    let gw0 = await durationBuckets(base, SESSION_METHODS);
    let cpuFrom = [cpuUs(pid), cpuUs(backends.child.pid as number), process.cpuUsage()];
    let cpuT0 = performance.now();
    let node0 = await nodeMetrics(base);
    if (SESSION_SECONDS <= 0) {
      lat = await timed(S, 50, async () => {
        try {
          const s = await session(gw.url);
          sids.push(s);
          await call(s, sids.length);
        } catch (err) {
          errors++;
          noteError(err);
        }
      });
    } else {
      await timed(S, 50, async () => {
        try {
          sids.push(await session(gw.url));
        } catch (err) {
          errors++;
          noteError(err);
        }
      });
      gw0 = await durationBuckets(base, ["tools/call"]);
      cpuFrom = [cpuUs(pid), cpuUs(backends.child.pid as number), process.cpuUsage()];
      cpuT0 = performance.now();
      node0 = await nodeMetrics(base);
      lat = [];
      const t0 = performance.now() + 100;
      await Promise.all(
        sids.map(async (s, i) => {
          for (let k = 0; k < SESSION_SECONDS; k++) {
            const due = t0 + k * 1000 + (i * 1000) / sids.length;
            const wait = due - performance.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
            const t = performance.now();
            try {
              await call(s, i);
              lat.push(performance.now() - t);
              if (k >= 2) steady.push(performance.now() - t);
            } catch (err) {
              errors++;
              noteError(err);
            }
          }
        }),
      );
    }
    const wallUs = (performance.now() - cpuT0) * 1000;
    const node1 = await nodeMetrics(base);
    const self = process.cpuUsage(cpuFrom[2] as NodeJS.CpuUsage);
    const sessCpu: [number, number, number] = [
      (100 * (cpuUs(pid) - (cpuFrom[0] as number))) / wallUs,
      (100 * (cpuUs(backends.child.pid as number) - (cpuFrom[1] as number))) / wallUs,
      (100 * (self.user + self.system)) / wallUs,
    ];
    clearInterval(probe);
    peakConns = Math.max(peakConns, connectionsTo(ports));
    const rssLoad = rssMiB(pid);
    if (errorKinds.size > 0) console.error(`${path} B=${b} errors:`, JSON.stringify([...errorKinds]));
    const gw1 = await durationBuckets(base, SESSION_SECONDS > 0 ? ["tools/call"] : SESSION_METHODS);
    return {
      path,
      b,
      startMs: gw.startMs,
      rssStart,
      rssLoad,
      list1: [pct(l1, 50), pct(l1, 99)],
      list16: [pct(l16, 50), pct(l16, 99)],
      raw1: [pct(r1, 50), pct(r1, 99)],
      raw16: [pct(r16, 50), pct(r16, 99)],
      listBytes,
      listCpuMs,
      statusP50: pct(st, 50),
      statusCpuMs,
      sessErrors: errors,
      sessP50: pct(lat, 50),
      sessP99: pct(lat, 99),
      steadyP50: pct(steady, 50),
      steadyP99: pct(steady, 99),
      gwP50: bucketQuantile(gw0, gw1, 0.5),
      gwP99: bucketQuantile(gw0, gw1, 0.99),
      rssPerSession: (rssLoad - before) / S,
      sessCpu,
      sessGcPct: (100 * (node1.gcS - node0.gcS) * 1e6) / wallUs,
      sessLag: [node1.lagP99 * 1000, node1.lagMax * 1000],
      conns: peakConns,
      probesMean: rate.mean,
      probesMax: rate.max,
    };
  } finally {
    gw.child.kill("SIGTERM");
    await new Promise((r) => gw.child.once("exit", r));
    await rm(dir, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
for (const b of LEVELS) {
  const backends = await startBackends(b);
  const ports = new Set(backends.urls.map((u) => Number(new URL(u).port)));
  try {
    for (const [path, checkout] of checkouts) {
      const r = await measure(path, checkout, b, backends.urls, ports, backends);
      rows.push(r);
      console.error(JSON.stringify(r));
    }
  } finally {
    backends.child.kill("SIGTERM");
    await new Promise((r) => backends.child.once("exit", r));
  }
}

const f = (n: number, d = 1) => n.toFixed(d);
console.log(
  `\ngateway node args: ${checkouts.map(([p, c]) => `${p} ${gatewayNodeArgs(c).join(" ") || "(none)"}`).join(", ")}; T=${T} tools per backend, ${LISTS} tools/list per level, ${S} sessions (${SESSION_SECONDS > 0 ? `opened, then 1 tools/call a second each for ${SESSION_SECONDS} s,` : "initialize + 1 tools/call"} to ${values.target === "one" ? "one backend" : "backend i mod B"}, c=50)\n`,
);
console.log(
  "| path | B | start to first tools/list | RSS start / load (MiB) | tools/list p50 / p99 c=1 (ms) | c=16 p50 / p99 (ms) | raw tools/list p50 / p99 c=1 (ms) | raw c=16 p50 / p99 (ms) | list bytes | gateway CPU per tools/list (ms) | /status p50 (ms) | gateway CPU per /status (ms) | sessions: errors, p50 / p99 (ms) | after 2 s p50 / p99 (ms) | gateway-side p50 / p99 (ms) | MiB per session | sessions CPU % gateway / backends / client | gateway GC % / loop lag p99 / max (ms) | conns to backends (peak) | probes/s mean / max (3 s) |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows)
  console.log(
    `| ${r.path} | ${r.b} | ${f(r.startMs / 1000, 2)} s | ${f(r.rssStart, 0)} / ${f(r.rssLoad, 0)} | ${f(r.list1[0], 2)} / ${f(r.list1[1], 2)} | ${f(r.list16[0], 1)} / ${f(r.list16[1], 1)} | ${f(r.raw1[0], 2)} / ${f(r.raw1[1], 2)} | ${f(r.raw16[0], 1)} / ${f(r.raw16[1], 1)} | ${r.listBytes} | ${f(r.listCpuMs, 2)} | ${f(r.statusP50, 2)} | ${f(r.statusCpuMs, 2)} | ${r.sessErrors}, ${f(r.sessP50, 1)} / ${f(r.sessP99, 1)} | ${f(r.steadyP50, 1)} / ${f(r.steadyP99, 1)} | ${f(r.gwP50, 1)} / ${f(r.gwP99, 1)} | ${f(r.rssPerSession, 3)} | ${f(r.sessCpu[0], 0)} / ${f(r.sessCpu[1], 0)} / ${f(r.sessCpu[2], 0)} | ${f(r.sessGcPct, 1)} / ${f(r.sessLag[0], 0)} / ${f(r.sessLag[1], 0)} | ${r.conns} | ${f(r.probesMean, 2)} / ${f(r.probesMax, 2)} |`,
  );
if (checkouts.length > 1) {
  console.log("\nratios this / baseline (lower is better):");
  for (const b of LEVELS) {
    const base = rows.find((r) => r.b === b && r.path === "baseline");
    const me = rows.find((r) => r.b === b && r.path === "this");
    if (!base || !me) continue;
    console.log(
      `B=${b}: start ${f(me.startMs / base.startMs, 2)}, tools/list p50 c=1 ${f(me.list1[0] / base.list1[0], 2)}, c=16 ${f(me.list16[0] / base.list16[0], 2)}, raw tools/list p50 c=1 ${f(me.raw1[0] / base.raw1[0], 2)}, CPU per tools/list ${f(me.listCpuMs / base.listCpuMs, 2)}, /status ${f(me.statusP50 / base.statusP50, 2)}, CPU per /status ${f(me.statusCpuMs / base.statusCpuMs, 2)}, RSS load ${f(me.rssLoad / base.rssLoad, 2)}`,
    );
  }
}
