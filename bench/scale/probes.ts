// Health probe cost and detection (not a test): B backends (bench/scale/backend-host.ts, T tools
// each) probed R times each with a new MCP session per probe and with a ping on the control
// session, measuring the backends' CPU (from /proc, robust to other load) and the prober's own.
// Then how long one probe of each kind takes to report a hung backend (SIGSTOP) and a dead one
// (SIGKILL of the backends' process).
//   node bench/scale/probes.ts [--backends 20] [--tools 50] [--rounds 20] [--timeout-ms 1000]
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { StreamableControlSession } from "../../packages/vmcp-runtime/src/backends/control-session.ts";
import { createBackendPools } from "../../packages/vmcp-runtime/src/backends/pools.ts";
import type { OutgoingAuth } from "../../packages/vmcp-runtime/src/backends/types.ts";
import {
  type ProbeTarget,
  probeBackend,
  probeNewSession,
} from "../../packages/vmcp-runtime/src/health/probe.ts";
import type { CheckResult } from "../../packages/vmcp-runtime/src/health/state-machine.ts";
import { silentLogger } from "../../packages/vmcp-runtime/src/logger.ts";
import type { BackendSpec } from "../../packages/vmcp-runtime/src/registry/types.ts";
import { benchArgs } from "../helpers/args.ts";

const { values } = benchArgs(import.meta.url, {
  options: {
    backends: { type: "string", default: "20" },
    tools: { type: "string", default: "50" },
    rounds: { type: "string", default: "20" },
    "timeout-ms": { type: "string", default: "1000" },
  },
});
const B = Number(values.backends);
const R = Number(values.rounds);
const TIMEOUT = Number(values["timeout-ms"]);
const root = new URL("../../", import.meta.url).pathname;

const host = spawn(process.execPath, [join(root, "bench/scale/backend-host.ts")], {
  stdio: ["ignore", "pipe", "inherit"],
  env: { ...process.env, SCALE_BACKENDS: String(B), SCALE_TOOLS: values.tools },
});
process.once("SIGINT", () => {
  host.kill("SIGKILL");
  process.exit(130);
});
const urls = await new Promise<string[]>((resolve, reject) => {
  host.once("exit", (c) => reject(new Error(`backend host exited (${c})`)));
  createInterface({ input: host.stdout! }).on("line", (l) => {
    if (l.startsWith("{")) resolve((JSON.parse(l) as { urls: string[] }).urls);
  });
});

const TICK_US = 1e6 / 100;
const cpuUs = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * TICK_US;
};
const ownCpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const auth: OutgoingAuth = { type: "unauthenticated", headers: async () => ({}) };
const targets: Array<{ target: ProbeTarget; control: StreamableControlSession; close: () => Promise<void> }> =
  [];
for (const [i, url] of urls.entries()) {
  const spec: BackendSpec = {
    name: `b${i}`,
    url,
    transport: "streamable-http",
    timeoutMs: TIMEOUT,
    authType: "unauthenticated",
  } as BackendSpec;
  const pools = await createBackendPools(spec);
  const control = new StreamableControlSession({
    spec,
    pools,
    auth,
    log: silentLogger(),
    events: { onChanged: () => {}, onLost: () => {} },
  });
  await control.list(5000);
  targets.push({
    target: { spec, dispatcher: pools.streams, auth, control },
    control,
    close: async () => {
      await control.close();
      await pools.close();
    },
  });
}

type Kind = "new session" | "control ping";
const run = (kind: Kind, t: ProbeTarget): Promise<CheckResult> =>
  kind === "new session" ? probeNewSession(t, TIMEOUT) : probeBackend(t, TIMEOUT);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const f = (n: number, d = 2) => n.toFixed(d);

console.log(`\n${B} backends, ${values.tools} tools each, ${R} probes per backend per kind, sequential\n`);
console.log("| probe | backend CPU per probe (ms) | prober CPU per probe (ms) | wall p50 (ms) | failures |");
console.log("|---|---|---|---|---|");
for (const kind of ["new session", "control ping"] as const) {
  for (const { target } of targets) await run(kind, target); // warm-up
  const wall: number[] = [];
  let failures = 0;
  const be0 = cpuUs(host.pid as number);
  const me0 = ownCpuUs();
  for (let r = 0; r < R; r++)
    for (const { target } of targets) {
      const t0 = performance.now();
      const res = await run(kind, target);
      wall.push(performance.now() - t0);
      if (!res.ok) failures++;
    }
  const n = R * targets.length;
  console.log(
    `| ${kind} | ${f((cpuUs(host.pid as number) - be0) / n / 1000, 3)} | ${f((ownCpuUs() - me0) / n / 1000, 3)} | ${f(median(wall))} | ${failures} |`,
  );
}

async function detect(label: string): Promise<void> {
  const half = Math.floor(targets.length / 2);
  const out: Record<Kind, { ms: number[]; kinds: Set<string> }> = {
    "new session": { ms: [], kinds: new Set() },
    "control ping": { ms: [], kinds: new Set() },
  };
  await Promise.all(
    targets.map(async ({ target }, i) => {
      const kind: Kind = i < half ? "control ping" : "new session";
      const t0 = performance.now();
      const r = await run(kind, target);
      out[kind].ms.push(performance.now() - t0);
      out[kind].kinds.add(r.ok ? "ok" : r.kind);
    }),
  );
  for (const [kind, o] of Object.entries(out))
    console.log(
      `| ${label} | ${kind} | ${f(median(o.ms))} | ${f(Math.max(...o.ms))} | ${[...o.kinds].join(", ")} |`,
    );
}

console.log(`\none probe per backend right after the failure (half of each kind), timeout ${TIMEOUT} ms\n`);
console.log("| failure | probe | time to verdict p50 (ms) | max (ms) | verdicts |");
console.log("|---|---|---|---|---|");
host.kill("SIGSTOP");
await detect("hung (SIGSTOP)");
host.kill("SIGCONT");
for (const { target } of targets) await run("new session", target);
host.kill("SIGKILL");
await new Promise((r) => host.once("exit", r));
await detect("dead (SIGKILL)");
await Promise.all(targets.map((t) => t.close()));
