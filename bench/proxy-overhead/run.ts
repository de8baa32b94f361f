// Proxy-overhead benchmark: the same echo tool (1 KiB argument) called directly and through the
// gateway, in one run, at concurrency 1 and 32. Backend, gateway and this load generator are
// three processes on the same machine. Usage: node bench/proxy-overhead/run.ts [--seconds 4]
// [--baseline-root <checkout>]: also runs the gateway of another checkout, as a "baseline" path
// taking turns with the others, so two builds are compared under the same background load.
// [--authz]: also runs a gateway with the realistic Cedar policy set of bench/authz (plus the
// permit the echo tool needs), as an "authz" path: the ratio with policies on.
// [--tracing]: also runs a gateway with OpenTelemetry on (traces and metrics, every request
// sampled) exporting to an OTLP/HTTP receiver in this process that discards what it gets, as a
// "tracing" path: the ratio with telemetry on, against the "gateway" path with it off.
// [--first-warmup 6]: seconds each path runs once, at the highest concurrency, before round 1.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startOtlpReceiver } from "@vmcp/testenv/otlp-receiver";
import { POLICIES } from "../authz/policies.ts";
import { benchArgs } from "../helpers/args.ts";
import { waitForLine } from "../helpers/process.ts";

const { values } = benchArgs(import.meta.url, {
  options: {
    seconds: { type: "string", default: "4" },
    warmup: { type: "string", default: "1.5" },
    "first-warmup": { type: "string", default: "6" },
    rounds: { type: "string", default: "2" },
    concurrency: { type: "string", default: "1,32" },
    "bare-forwarder": { type: "boolean", default: false },
    "baseline-root": { type: "string" },
    authz: { type: "boolean", default: false },
    tracing: { type: "boolean", default: false },
  },
});
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const FIRST_WARMUP = Number(values["first-warmup"]);
const ROUNDS = Number(values.rounds);
const LEVELS = values.concurrency.split(",").map(Number);
const ARG = "x".repeat(1024);
const root = new URL("../../", import.meta.url).pathname;

async function startBackendProcess(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(root, "bench/helpers/echo-backend-process.ts")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await waitForLine(child, (l) =>
    l.startsWith("{") ? (JSON.parse(l) as { url: string }).url : undefined,
  );
  return { url, child };
}

// Anonymous callers: the policies are evaluated for every call exactly as for a token's subject;
// token validation is measured separately (bench/incoming-checks).
const AUTHZ_YAML = [
  "  authz:",
  "    type: cedar",
  "    policies:",
  ...[
    ...POLICIES,
    'permit(principal, action == Action::"call_tool", resource) when { resource.name like "bench_*" };',
  ].map((p) => `      - ${JSON.stringify(p)}`),
];

/** Telemetry on, every request sampled: the most tracing can cost. */
const tracingYaml = (endpoint: string) => [
  "telemetry:",
  `  endpoint: ${endpoint}`,
  "  tracingEnabled: true",
  "  metricsEnabled: true",
  '  samplingRate: "1"',
];

async function startGatewayProcess(
  backendUrl: string,
  dir: string,
  checkout = root,
  variant: { name: string; yaml: string[] } = { name: "plain", yaml: [] },
): Promise<{ url: string; child: ChildProcess }> {
  const cfg = join(dir, `config-${variant.name}.yaml`);
  await writeFile(
    cfg,
    [
      "name: bench",
      "groupRef: bench",
      "incomingAuth:",
      "  type: anonymous",
      ...(variant.name === "authz" ? variant.yaml : []),
      "outgoingAuth:",
      "  source: inline",
      "aggregation:",
      "  conflictResolution: prefix",
      "  conflictResolutionConfig:",
      '    prefixFormat: "{workload}_"',
      "backends:",
      "  - name: bench",
      `    url: ${backendUrl}`,
      "    transport: streamable-http",
      ...(variant.name === "authz" ? [] : variant.yaml),
      "",
    ].join("\n"),
  );
  const child = spawn(
    process.execPath,
    [
      // e.g. BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the gateway.
      ...(process.env.BENCH_GATEWAY_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
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
  );
  const url = await waitForLine(child, (l) => {
    try {
      const o = JSON.parse(l) as { msg?: string; url?: string };
      return o.msg === "vmcp serving" ? o.url : undefined;
    } catch {
      return undefined;
    }
  });
  return { url, child };
}

interface Point {
  path: string;
  concurrency: number;
  calls: number;
  throughput: number;
  p50: number;
  p99: number;
  /** CPU time per call (µs) in each process, from /proc: robust to other load on the machine. */
  cpuUs: { client: number; backend: number; gateway: number };
}

const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux

/** utime+stime of a process in µs (Linux /proc), 0 where unavailable. */
function procCpuUs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return 0;
  }
}

let pids: { backend?: number } = {};
/** CPU so far of this process, the backend, and the gateway process the path goes through. */
function cpuSnapshot(gatewayPid: number | undefined): { client: number; backend: number; gateway: number } {
  const u = process.cpuUsage();
  return { client: u.user + u.system, backend: procCpuUs(pids.backend), gateway: procCpuUs(gatewayPid) };
}

async function connect(url: string): Promise<Client> {
  const c = new Client({ name: "bench", version: "1.0.0" });
  await c.connect(new StreamableHTTPClientTransport(new URL(url)));
  return c;
}

/** `concurrency` SDK clients (one session each) calling in a loop while active; latencies are
 * recorded only while `recording` is on. Pausing lets in-flight calls finish, then waits. */
class Load {
  readonly lat: number[] = [];
  recording = false;
  recordedNs = 0n;
  cpu = { client: 0, backend: 0, gateway: 0 };
  #stop = false;
  #active = false;
  #wake: Array<() => void> = [];
  #running: Promise<void>[] = [];
  #clients: Client[] = [];
  readonly path: string;
  readonly url: string;
  readonly tool: string;
  readonly concurrency: number;
  /** The gateway process whose CPU is charged to this path (for direct: the idle gateway). */
  readonly gatewayPid: number | undefined;

  constructor(path: string, url: string, tool: string, concurrency: number, gatewayPid: number | undefined) {
    this.path = path;
    this.url = url;
    this.tool = tool;
    this.concurrency = concurrency;
    this.gatewayPid = gatewayPid;
  }

  async connect(): Promise<void> {
    this.#clients = await Promise.all(Array.from({ length: this.concurrency }, () => connect(this.url)));
    this.#running = this.#clients.map(async (c) => {
      for (;;) {
        while (!this.#active && !this.#stop) await new Promise<void>((r) => this.#wake.push(r));
        if (this.#stop) return;
        const t0 = process.hrtime.bigint();
        const r = await c.callTool({ name: this.tool, arguments: { text: ARG } });
        const dt = Number(process.hrtime.bigint() - t0) / 1e6;
        if (r.isError) throw new Error("echo failed");
        if (this.recording) this.lat.push(dt);
      }
    });
  }

  #release(): void {
    for (const w of this.#wake.splice(0)) w();
  }

  resume(): void {
    this.#active = true;
    this.#release();
  }

  /** Stop issuing calls and wait until every worker is idle. */
  async pause(): Promise<void> {
    this.#active = false;
    while (this.#wake.length < this.concurrency) await new Promise((r) => setImmediate(r));
  }

  async close(): Promise<void> {
    this.#stop = true;
    this.#release();
    await Promise.all(this.#running);
    // Sessions are ended, not left to expire: the gateway bounds sessions per caller address,
    // and every round opens new ones.
    await Promise.all(
      this.#clients.map(async (c) => {
        await (c.transport as StreamableHTTPClientTransport | undefined)?.terminateSession().catch(() => {});
        await c.close();
      }),
    );
  }

  point(): Point {
    const lat = [...this.lat].sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? Number.NaN;
    return {
      path: this.path,
      concurrency: this.concurrency,
      calls: lat.length,
      throughput: lat.length / (Number(this.recordedNs) / 1e9),
      p50: q(0.5),
      p99: q(0.99),
      cpuUs: {
        client: this.cpu.client / lat.length,
        backend: this.cpu.backend / lat.length,
        gateway: this.cpu.gateway / lat.length,
      },
    };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Direct and gateway take turns in 0.5 s slices (one path loaded at a time), so drifting
 * background load hits both alike; each path gets SECONDS of recorded time after a warm-up. */
async function measurePair(loads: Load[]): Promise<Point[]> {
  for (const l of loads) await l.connect();
  for (const l of loads) {
    l.resume();
    await sleep(WARMUP * 1000);
    await l.pause();
  }
  const slices = Math.max(1, Math.round(SECONDS / 0.5));
  for (let i = 0; i < slices; i++) {
    for (const l of i % 2 === 0 ? loads : [...loads].reverse()) {
      l.resume();
      await sleep(50);
      const c0 = cpuSnapshot(l.gatewayPid);
      l.recording = true;
      const t0 = process.hrtime.bigint();
      await sleep(500);
      l.recording = false;
      l.recordedNs += process.hrtime.bigint() - t0;
      const c1 = cpuSnapshot(l.gatewayPid);
      l.cpu.client += c1.client - c0.client;
      l.cpu.backend += c1.backend - c0.backend;
      l.cpu.gateway += c1.gateway - c0.gateway;
      await l.pause();
    }
  }
  for (const l of loads) await l.close();
  return loads.map((l) => l.point());
}

/** Every path once, FIRST_WARMUP seconds each at the highest concurrency, before round 1: the
 * few seconds of each pair's own warm-up leave a fresh gateway JIT-cold and its heap unsized
 * (round 1 read about a third more gateway CPU per call than the rounds after it). */
async function warmUp(loads: Load[]): Promise<void> {
  if (FIRST_WARMUP <= 0) return;
  for (const l of loads) {
    await l.connect();
    l.resume();
    await sleep(FIRST_WARMUP * 1000);
    await l.pause();
    await l.close();
  }
}

const dir = await mkdtemp(join(tmpdir(), "vmcp-bench-"));
const backend = await startBackendProcess();
const gateway = await startGatewayProcess(backend.url, dir);
pids = { backend: backend.child.pid };
const results: Point[][] = [];
const extra: ChildProcess[] = [];
const closers: Array<() => Promise<void>> = [];
try {
  const baselineRoot = values["baseline-root"];
  const baseline = baselineRoot ? await startGatewayProcess(backend.url, dir, baselineRoot) : undefined;
  if (baseline) extra.push(baseline.child);
  const withAuthz = values.authz
    ? await startGatewayProcess(backend.url, dir, root, { name: "authz", yaml: AUTHZ_YAML })
    : undefined;
  if (withAuthz) extra.push(withAuthz.child);
  const collector = values.tracing ? await startOtlpReceiver({ discard: true }) : undefined;
  if (collector) closers.push(() => collector.close());
  const withTracing = collector
    ? await startGatewayProcess(backend.url, dir, root, { name: "tracing", yaml: tracingYaml(collector.url) })
    : undefined;
  if (withTracing) extra.push(withTracing.child);
  // Optional third path: a bare HTTP forwarder, the floor for any Node gateway.
  let fwdUrl: string | undefined;
  let f: ChildProcess | undefined;
  if (values["bare-forwarder"]) {
    const script = join(root, "packages/vmcp-runtime/test/fixtures/bare-forwarder.ts");
    f = spawn(process.execPath, [script, backend.url], { stdio: ["ignore", "pipe", "inherit"] });
    extra.push(f);
    fwdUrl = await waitForLine(f, (l) =>
      l.startsWith("{") ? (JSON.parse(l) as { url: string }).url : undefined,
    );
  }
  const loadsAt = (c: number): Load[] => [
    new Load("direct", backend.url, "echo", c, gateway.child.pid),
    new Load("gateway", gateway.url, "bench_echo", c, gateway.child.pid),
    ...(baseline ? [new Load("baseline", baseline.url, "bench_echo", c, baseline.child.pid)] : []),
    ...(withAuthz ? [new Load("authz", withAuthz.url, "bench_echo", c, withAuthz.child.pid)] : []),
    ...(withTracing ? [new Load("tracing", withTracing.url, "bench_echo", c, withTracing.child.pid)] : []),
    ...(fwdUrl ? [new Load("bare-fwd", fwdUrl, "echo", c, f?.pid)] : []),
  ];
  await warmUp(loadsAt(Math.max(...LEVELS)));
  for (let round = 1; round <= ROUNDS; round++) {
    const points: Point[] = [];
    for (const c of LEVELS) points.push(...(await measurePair(loadsAt(c))));
    results.push(points);
    console.log(`\nround ${round}`);
    console.log("path     conc   calls    calls/s   p50 ms   p99 ms   CPU µs/call client/backend/gateway");
    for (const p of points) {
      console.log(
        `${p.path.padEnd(8)} ${String(p.concurrency).padStart(4)} ${String(p.calls).padStart(7)} ${p.throughput.toFixed(0).padStart(10)} ${p.p50.toFixed(3).padStart(8)} ${p.p99.toFixed(3).padStart(8)}   ${p.cpuUs.client.toFixed(0)}/${p.cpuUs.backend.toFixed(0)}/${p.cpuUs.gateway.toFixed(0)}`,
      );
    }
    for (const c of LEVELS) {
      const off = points.find((p) => p.path === "gateway" && p.concurrency === c);
      const on = points.find((p) => p.path === "tracing" && p.concurrency === c);
      if (off && on) {
        console.log(
          `c=${c}: tracing on/off throughput ratio ${(on.throughput / off.throughput).toFixed(3)}, gateway CPU per call off ${off.cpuUs.gateway.toFixed(0)} µs, on ${on.cpuUs.gateway.toFixed(0)} µs`,
        );
      }
      const d = points.find((p) => p.path === "direct" && p.concurrency === c)!;
      for (const g of points.filter((p) => p.concurrency === c && p.path !== "direct")) {
        const label = g.path === "gateway" ? `c=${c}` : `c=${c} ${g.path}`;
        console.log(
          `${label}: throughput ratio ${(g.throughput / d.throughput).toFixed(3)}, added p50 ${(g.p50 - d.p50).toFixed(3)} ms, added p99 ${(g.p99 - d.p99).toFixed(3)} ms`,
        );
        // On a CPU-bound box, throughput is inversely proportional to total CPU per call.
        const direct = d.cpuUs.client + d.cpuUs.backend;
        const viaGw = g.cpuUs.client + g.cpuUs.backend + g.cpuUs.gateway;
        console.log(
          `${label}: CPU per call direct ${direct.toFixed(0)} µs, via gateway ${viaGw.toFixed(0)} µs (gateway ${g.cpuUs.gateway.toFixed(0)} µs) -> CPU-bound ratio ${(direct / viaGw).toFixed(3)}`,
        );
      }
    }
  }
  console.log(
    `\nJSON ${JSON.stringify({ node: process.version, seconds: SECONDS, warmup: WARMUP, firstWarmup: FIRST_WARMUP, rounds: results })}`,
  );
} finally {
  const exited = (c: ChildProcess) =>
    c.exitCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once("exit", () => r()));
  for (const c of [gateway.child, backend.child, ...extra]) c.kill("SIGTERM");
  await Promise.all([exited(gateway.child), exited(backend.child), ...extra.map(exited)]);
  await Promise.all(closers.map((c) => c()));
  await rm(dir, { recursive: true, force: true });
}
