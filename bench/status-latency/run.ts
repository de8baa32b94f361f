// Benchmark (not a test): how fast the VirtualMCPServer status follows a backend's death and
// return. The runtime runs as a real child process (`vmcp serve` with VMCP_NAME/VMCP_NAMESPACE and
// a KUBECONFIG carrying the ServiceAccount token of the operator's Role) against a local control
// plane; the CRD is polled every 25 ms.
//   node bench/status-latency/run.ts [--runs 3] [--interval 5s]
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNamespace, startControlPlane } from "@vmcp/testenv";
import {
  backendOf,
  connectClient,
  createReadyMCPServer,
  createVmcp,
  GROUP_NAME,
  getCr,
  type Obj,
  runtimeServiceAccount,
  startTestBackend,
  type TestBackend,
} from "@vmcp/vmcp-runtime/test-harness/status-k8s";
import { benchArgs } from "../helpers/args.ts";

const { values } = benchArgs(import.meta.url, {
  options: { runs: { type: "string", default: "3" }, interval: { type: "string", default: "5s" } },
});
const RUNS = Number(values.runs);
const INTERVAL = values.interval as string;
const THRESHOLD = 3;
const REPORTING = "30s";

const cp = await startControlPlane({ log: () => {} });
const admin = cp.kubeConfig();
const ns = await createNamespace(admin, "bench-status");
const dir = await mkdtemp(join(tmpdir(), "vmcp-bench-status-"));
const backends: TestBackend[] = [];
let child: ChildProcess | undefined;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(0)} ms  (runs: ${xs.map((x) => x.toFixed(0)).join(", ")})`;

async function until(pred: (o: Obj) => boolean, timeoutMs = 120_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const o = await getCr(admin, ns.name, "virtualmcpservers", "gw");
    if (pred(o)) return performance.now();
    if (Date.now() > end) throw new Error(`timed out; status: ${JSON.stringify(o.status)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

try {
  for (const name of ["steady", "victim"]) {
    const b = await startTestBackend(name);
    backends.push(b);
    await createReadyMCPServer(admin, ns.name, name, b.url);
  }
  const vmcp = await createVmcp(admin, ns.name, "gw");
  const sa = await runtimeServiceAccount(admin, ns.name, vmcp, []);
  await writeFile(join(dir, "kubeconfig"), sa.exportConfig());
  await writeFile(
    join(dir, "config.yaml"),
    [
      "name: gw",
      `groupRef: ${GROUP_NAME}`,
      "incomingAuth: { type: anonymous }",
      "outgoingAuth: { source: discovered }",
      "operational:",
      "  failureHandling:",
      `    healthCheckInterval: ${INTERVAL}`,
      "    healthCheckTimeout: 2s",
      `    unhealthyThreshold: ${THRESHOLD}`,
      `    statusReportingInterval: ${REPORTING}`,
      "    partialFailureMode: best_effort",
      "",
    ].join("\n"),
  );
  child = spawn(
    process.execPath,
    ["packages/vmcp-runtime/src/main.ts", "serve", "--config", join(dir, "config.yaml"), "--port", "0"],
    {
      env: { ...process.env, VMCP_NAME: "gw", VMCP_NAMESPACE: ns.name, KUBECONFIG: join(dir, "kubeconfig") },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child?.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      const m = /"url":"(http:[^"]+)".*vmcp serving/.exec(buf);
      if (m?.[1]) resolve(m[1]);
    });
    child?.once("exit", (code) => reject(new Error(`runtime exited ${code}`)));
  });
  child.stdout?.resume();
  await until((o) => o.status?.phase === "Ready" && o.status.backendCount === 2);
  const victim = backends[1] as TestBackend;

  // Steady state: status writes during 20 s (resourceVersion changes of the object).
  const rv0 = (await getCr(admin, ns.name, "virtualmcpservers", "gw")).metadata.resourceVersion;
  await new Promise((r) => setTimeout(r, 20_000));
  const rv1 = (await getCr(admin, ns.name, "virtualmcpservers", "gw")).metadata.resourceVersion;

  const quiet: number[] = [];
  const busyFromKill: number[] = [];
  const busyFromFailedCall: number[] = [];
  const restart: number[] = [];
  const restartRoutable: number[] = [];
  const { client } = await connectClient(url);
  for (let i = 0; i < RUNS; i++) {
    // Without traffic: only the health monitor can notice.
    // Start at a random point of the probe cycle, as a real crash would.
    await new Promise((r) => setTimeout(r, Math.random() * 1000));
    let t0 = performance.now();
    await victim.kill();
    quiet.push((await until((o) => backendOf(o, "victim")?.status === "unavailable")) - t0);
    t0 = performance.now();
    await victim.revive();
    // The first verdict after failures is "degraded (recovering)": served and advertised again.
    restartRoutable.push((await until((o) => backendOf(o, "victim")?.status !== "unavailable")) - t0);
    restart.push(
      (await until((o) => backendOf(o, "victim")?.status === "ready" && o.status.phase === "Ready")) - t0,
    );

    // With traffic: a caller hits the backend every 100 ms.
    let firstFailure = 0;
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        const r = await client
          .callTool({ name: "victim_victim_echo", arguments: {} })
          .catch(() => ({ isError: true }));
        if ((r as { isError?: boolean }).isError && !firstFailure) firstFailure = performance.now();
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 500));
    t0 = performance.now();
    await victim.kill();
    const seen = await until((o) => backendOf(o, "victim")?.status === "unavailable");
    stop = true;
    await traffic;
    busyFromKill.push(seen - t0);
    if (firstFailure) busyFromFailedCall.push(seen - firstFailure);
    await victim.revive();
    await until((o) => backendOf(o, "victim")?.status === "ready" && o.status.phase === "Ready");
  }
  await client.close();

  console.log(`\nstatus-latency (runtime as a child process, ServiceAccount token, ${RUNS} runs)`);
  console.log(
    `configured: healthCheckInterval ${INTERVAL}, unhealthyThreshold ${THRESHOLD}, statusReportingInterval ${REPORTING}, coalescing 250 ms`,
  );
  console.log(`kill -> CRD unavailable, no traffic:        ${fmt(quiet)}`);
  console.log(`kill -> CRD unavailable, with traffic:      ${fmt(busyFromKill)}`);
  console.log(`first failed call -> CRD unavailable:       ${fmt(busyFromFailedCall)}`);
  console.log(`restart -> CRD degraded (recovering, served): ${fmt(restartRoutable)}`);
  console.log(`restart -> CRD ready (phase Ready):         ${fmt(restart)}`);
  console.log(
    `status writes in 20 s of steady state:      ${Number(rv1) - Number(rv0) === 0 ? 0 : `rv moved ${rv0} -> ${rv1}`}`,
  );
} finally {
  child?.kill("SIGTERM");
  await Promise.all(backends.map((b) => b.kill()));
  await ns.delete().catch(() => {});
  await cp.stop();
  await rm(dir, { recursive: true, force: true });
}
