// Scale-out: N = 1, 2, 4 `vmcp serve` processes sharing session keys behind the round-robin
// balancer of the tests (every POST to the next replica, so every call of a session lands on
// another replica than the one before), one backend process. Reports, per N, throughput and
// latency of `tools/call` at a fixed concurrency; the cost of the first call of a session on a
// replica that did not create it (token opened, session rebuilt) against the calls after it; and
// the size of the session id. The in-memory N = 1 run (no keys, no balancer hops beyond one) is
// the baseline. On a machine with fewer cores than processes, throughput cannot grow with N:
// the numbers then show what a resume costs, not how far the gateway scales.
// Usage: node bench/scale-out/run.ts [--seconds 4] [--concurrency 16] [--resumes 200]
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent, request } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseSessionKeys } from "../../packages/vmcp-runtime/src/sessions/keys.ts";
import { identityBinding, openSession, sealSession } from "../../packages/vmcp-runtime/src/sessions/token.ts";
import { startBalancer } from "../../packages/vmcp-runtime/test/fixtures/balancer.ts";
import { benchArgs } from "../helpers/args.ts";

const { values } = benchArgs(import.meta.url, {
  options: {
    seconds: { type: "string", default: "4" },
    concurrency: { type: "string", default: "16" },
    resumes: { type: "string", default: "200" },
  },
});
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const RESUMES = Number(values.resumes);
const root = new URL("../../", import.meta.url).pathname;
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const PV = "2025-11-25";

function firstLine(child: ChildProcess, match: (l: string) => string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    child.once("exit", (code) => reject(new Error(`process exited early (${code})`)));
    rl.on("line", (l) => {
      const v = match(l);
      if (v !== undefined) resolve(v);
    });
  });
}

const json = (l: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(l) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

async function startBackend(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(root, "bench/proxy-overhead/backend-process.ts")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return { url: await firstLine(child, (l) => json(l)?.url as string | undefined), child };
}

async function startReplica(dir: string, backendUrl: string, keys: string | undefined) {
  const cfg = join(dir, "config.yaml");
  await writeFile(
    cfg,
    [
      "name: bench",
      "groupRef: bench",
      "incomingAuth:",
      "  type: anonymous",
      "backends:",
      "  - name: bench",
      `    url: ${backendUrl}`,
      "    transport: streamable-http",
      "",
    ].join("\n"),
  );
  const env = { ...process.env };
  delete env.VMCP_SESSION_KEYS;
  if (keys) env.VMCP_SESSION_KEYS = keys;
  const child = spawn(
    process.execPath,
    [join(root, "packages/vmcp-runtime/src/main.ts"), "serve", "--config", cfg, "--port", "0"],
    { stdio: ["ignore", "pipe", "inherit"], env },
  );
  const url = await firstLine(child, (l) => {
    const o = json(l);
    return o?.msg === "vmcp serving" ? (o.url as string) : undefined;
  });
  return { url, child };
}

function post(
  url: string,
  body: string,
  sid?: string,
): Promise<{ status: number; sid?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": PV,
    };
    if (sid) headers["mcp-session-id"] = sid;
    const req = request(url, { method: "POST", headers, agent }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        text += d;
      });
      res.on("end", () => {
        const s = res.headers["mcp-session-id"];
        resolve({ status: res.statusCode ?? 0, body: text, ...(typeof s === "string" ? { sid: s } : {}) });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: PV, capabilities: {}, clientInfo: { name: "bench", version: "1" } },
});
let nextId = 1;
const CALL = () =>
  JSON.stringify({
    jsonrpc: "2.0",
    id: nextId++,
    method: "tools/call",
    params: { name: "bench_echo", arguments: { text: "x".repeat(256) } },
  });

async function session(url: string): Promise<string> {
  const r = await post(url, INIT);
  if (r.status !== 200 || !r.sid) throw new Error(`initialize: HTTP ${r.status} ${r.body.slice(0, 200)}`);
  await post(url, JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), r.sid);
  return r.sid;
}

/** DELETE: the per-caller session quota (all bench sessions come from one address) is bounded. */
function end(url: string, sid: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "DELETE", headers: { "mcp-session-id": sid }, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve());
    });
    req.on("error", reject);
    req.end();
  });
}

async function call(url: string, sid: string): Promise<number> {
  const t = process.hrtime.bigint();
  const r = await post(url, CALL(), sid);
  if (r.status !== 200 || !r.body.includes("bench:"))
    throw new Error(`call: HTTP ${r.status} ${r.body.slice(0, 200)}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux

/** utime+stime of the processes in µs (Linux /proc): robust to other load on the machine. */
function cpuUs(pids: (number | undefined)[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(f[11]) + Number(f[12])) * TICK_US;
    } catch {}
  }
  return total;
}

/** CONCURRENCY sessions calling in a loop for SECONDS (after a 1 s warm-up). `gateways`: the
 * replica pids, whose CPU per call is reported. */
async function load(
  url: string,
  gateways: (number | undefined)[],
): Promise<{ throughput: number; p50: number; p99: number; cpuPerCall: number }> {
  const sids = await Promise.all(Array.from({ length: CONCURRENCY }, () => session(url)));
  const lat: number[] = [];
  let recording = false;
  let stop = false;
  const loops = sids.map(async (sid) => {
    while (!stop) {
      const ms = await call(url, sid);
      if (recording) lat.push(ms);
    }
  });
  await new Promise((r) => setTimeout(r, 1000));
  recording = true;
  const t0 = Date.now();
  const cpu0 = cpuUs(gateways);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  recording = false;
  const cpu = cpuUs(gateways) - cpu0;
  const elapsed = (Date.now() - t0) / 1000;
  stop = true;
  await Promise.all(loops);
  await Promise.all(sids.map((sid) => end(url, sid)));
  return {
    throughput: lat.length / elapsed,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    cpuPerCall: cpu / Math.max(1, lat.length),
  };
}

/** Sessions created on `a`, then called on `b` (first call: resume) and again on `b`; and, for
 * comparison, the first and second call on `a` itself of sessions created there. */
async function resumeCost(a: string, b: string) {
  const first: number[] = [];
  const after: number[] = [];
  const local: number[] = [];
  for (let i = 0; i < RESUMES; i++) {
    const sid = await session(a);
    first.push(await call(b, sid));
    after.push(await call(b, sid));
    const own = await session(a);
    local.push(await call(a, own));
    await Promise.all([end(b, sid), end(a, sid), end(a, own)]);
  }
  return { first, after, local };
}

/** Sealing and opening alone, in this process: µs per operation for a one-backend session. */
function tokenCost(keys: string): { sealUs: number; openUs: number } {
  const k = parseSessionKeys(keys);
  const state = {
    protocolVersion: PV,
    clientCapabilities: { sampling: {}, roots: { listChanged: true } },
    clientInfo: { name: "bench", version: "1" },
    binding: identityBinding({ subject: "alice", issuer: "https://idp.example" }),
    issuedAt: Date.now(),
    backends: [
      { name: "bench", sessionId: randomBytes(16).toString("hex"), protocolVersion: PV, logging: true },
    ],
  };
  const token = sealSession(state, k);
  for (let i = 0; i < 2000; i++) openSession(token, k);
  const n = 20_000;
  let t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sealSession(state, k);
  const sealUs = Number(process.hrtime.bigint() - t) / n / 1000;
  t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) openSession(token, k);
  return { sealUs, openUs: Number(process.hrtime.bigint() - t) / n / 1000 };
}

const dir = await mkdtemp(join(tmpdir(), "vmcp-bench-scale-"));
const keys = `k1=${randomBytes(32).toString("base64")}`;
const backend = await startBackend();
const children: ChildProcess[] = [backend.child];
const rows: string[] = [];
try {
  const runs: { label: string; n: number; keys: string | undefined }[] = [
    { label: "1 (memory sessions)", n: 1, keys: undefined },
    { label: "1", n: 1, keys },
    { label: "2", n: 2, keys },
    { label: "4", n: 4, keys },
  ];
  let baseline = 0;
  let resume: Awaited<ReturnType<typeof resumeCost>> | undefined;
  let tokenBytes = 0;
  for (const run of runs) {
    const replicas = await Promise.all(
      Array.from({ length: run.n }, () => startReplica(dir, backend.url, run.keys)),
    );
    children.push(...replicas.map((r) => r.child));
    const lb = await startBalancer(replicas.map((r) => r.url));
    try {
      const r = await load(
        lb.url,
        replicas.map((rep) => rep.child.pid),
      );
      if (!baseline) baseline = r.throughput;
      rows.push(
        `| ${run.label} | ${r.throughput.toFixed(0)} | ${(r.throughput / baseline).toFixed(2)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.cpuPerCall.toFixed(0)} |`,
      );
      if (run.n === 2) {
        tokenBytes = (await session(lb.url)).length;
        resume = await resumeCost(replicas[0]!.url, replicas[1]!.url);
      }
    } finally {
      await lb.close();
      for (const rep of replicas) rep.child.kill("SIGTERM");
    }
  }
  const med = (xs: number[]) => pct(xs, 50).toFixed(2);
  const p99 = (xs: number[]) => pct(xs, 99).toFixed(2);
  console.log(
    `\nscale-out: ${CONCURRENCY} sessions calling tools/call in a loop, ${SECONDS}s per row, ${cpus().length} CPUs`,
  );
  console.log(
    "| replicas | calls/s | vs memory, 1 replica | p50 ms | p99 ms | gateway CPU µs/call (all replicas) |\n|---|---|---|---|---|---|",
  );
  for (const r of rows) console.log(r);
  if (resume) {
    console.log(`\nresume cost (${RESUMES} sessions, one at a time, replica A -> replica B directly)`);
    console.log("| call | median ms | p99 ms |\n|---|---|---|");
    console.log(
      `| first call on the replica that created the session | ${med(resume.local)} | ${p99(resume.local)} |`,
    );
    console.log(
      `| first call on another replica (resume from the token) | ${med(resume.first)} | ${p99(resume.first)} |`,
    );
    console.log(`| next call on that replica | ${med(resume.after)} | ${p99(resume.after)} |`);
  }
  const tc = tokenCost(keys);
  console.log(`\nsession id: ${tokenBytes} bytes with one backend (limit 4096)`);
  console.log(`token alone: seal ${tc.sealUs.toFixed(1)} µs, open ${tc.openUs.toFixed(1)} µs (20,000 each)`);
} finally {
  for (const c of children) c.kill("SIGTERM");
  await rm(dir, { recursive: true, force: true });
}
