// Operator at scale: N VirtualMCPServers, each with its own MCPGroup and one MCPServerEntry, created
// at once on a fresh local control plane (no node: Deployments never get pods, which is the
// operator's work without the kubelet's). For each N and each checkout it prints
//   converge: last create -> every VirtualMCPServer observed (status.observedGeneration = generation)
//             with its Deployment and Service, and the operator's queue empty
//   writes per object: the operator's apiserver writes (its own counter) until it went quiet, / N
//   operator CPU and RSS, apiserver CPU (from first create to quiet), idle writes in --idle seconds,
//   the apiserver's request latency per server by resource and verb (its /metrics),
//   shared config change: the writes after one edit of the MCPExternalAuthConfig all N servers use.
// --baseline-root <checkout>: also runs the operator sources of another checkout (with its
// node_modules installed), on its own fresh control plane, before ours at each N.
//   node bench/operator-scale/run.ts [--n 50,200,500] [--idle 10] [--concurrency 8] [--baseline-root DIR]
//     [--apiserver-profile PREFIX [--profile-seconds 30]]   (writes PREFIX-<n>-<checkout>.pprof)
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { kubeRequest, openRequest } from "@vmcp/kube-kit/http";
import { collectionPath, type ResourceRef } from "@vmcp/kube-kit/resources";
import { API_VERSION } from "@vmcp/shared-types";
import { createNamespace, startControlPlane } from "@vmcp/testenv";
import { benchArgs } from "../helpers/args.ts";

const { values } = benchArgs(import.meta.url, {
  options: {
    n: { type: "string", default: "50,200,500" },
    idle: { type: "string", default: "10" },
    concurrency: { type: "string" },
    "baseline-root": { type: "string" },
    "create-parallel": { type: "string", default: "16" },
    // A CPU profile of the apiserver from the first create (`go tool pprof -top <file>`).
    "apiserver-profile": { type: "string" },
    "profile-seconds": { type: "string", default: "30" },
  },
});
const SIZES = values.n.split(",").map(Number);
const IDLE_MS = Number(values.idle) * 1000;
const CREATE_PARALLEL = Number(values["create-parallel"]);
const root = new URL("../../", import.meta.url).pathname;
const CLK_TCK = 100;
const TIMEOUT_MS = 600_000;

const crd = (plural: string): ResourceRef => ({ group: "toolhive.stacklok.dev", version: "v1beta1", plural });
const VMCPS = crd("virtualmcpservers");
const GROUPS = crd("mcpgroups");
const ENTRIES = crd("mcpserverentries");
const DEPLOYMENTS: ResourceRef = { group: "apps", version: "v1", plural: "deployments" };
const SERVICES: ResourceRef = { group: "", version: "v1", plural: "services" };
const SECRETS: ResourceRef = { group: "", version: "v1", plural: "secrets" };
const AUTH_CONFIGS = crd("mcpexternalauthconfigs");
const SHARED_AUTH = "shared-key";
const CHECKSUM = "toolhive.stacklok.dev/runconfig-checksum";

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function poll<T>(what: string, check: () => Promise<T | undefined>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Sum of a counter (or gauge) over the label sets matching `labelFilter` in a Prometheus text page. */
function metric(page: string, name: string, labelFilter = ""): number {
  let sum = 0;
  for (const line of page.split("\n")) {
    if (!line.startsWith(name) || (labelFilter && !line.includes(labelFilter))) continue;
    const v = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}

/** Writes per `kind/verb`, to see where they go. */
function writesByKind(page: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of page.matchAll(/^vmcp_operator_apiserver_writes_total\{([^}]*)\} (\S+)$/gm)) {
    const kind = /kind="([^"]*)"/.exec(m[1] ?? "")?.[1] ?? "?";
    const verb = /verb="([^"]*)"/.exec(m[1] ?? "")?.[1] ?? "?";
    out[`${kind}/${verb}`] = (out[`${kind}/${verb}`] ?? 0) + Number(m[2]);
  }
  return out;
}

/** A per-controller series (`vmcp_operator_<name>{controller="x",...}`) summed per controller. */
function byController(page: string, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, "gm");
  for (const m of page.matchAll(re)) {
    const c = /controller="([^"]*)"/.exec(m[1] ?? "")?.[1] ?? "?";
    out[c] = (out[c] ?? 0) + Number(m[2]);
  }
  return out;
}

interface Scrape {
  writes: number;
  depth: number;
  reconciles: number;
  byKind: Record<string, number>;
  depthBy: Record<string, number>;
  reconcilesBy: Record<string, number>;
}

async function scrape(url: string): Promise<Scrape> {
  // A loaded machine drops a connection now and then: one failed scrape is not a failed run.
  let page = "";
  for (let attempt = 1; ; attempt++) {
    try {
      page = await (await fetch(`${url}/metrics`)).text();
      break;
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(200 * attempt);
    }
  }
  return {
    byKind: writesByKind(page),
    writes: metric(page, "vmcp_operator_apiserver_writes_total"),
    depth: metric(page, "vmcp_operator_workqueue_depth"),
    reconciles: metric(page, "vmcp_operator_reconcile_total"),
    depthBy: byController(page, "vmcp_operator_workqueue_depth"),
    reconcilesBy: byController(page, "vmcp_operator_reconcile_total"),
  };
}

/** One sample of the run: seconds since the first create, the operator's counters, CPU seconds. */
interface Sample {
  t: number;
  s: Scrape;
  apiCpu: number;
  opCpu: number;
}

/**
 * Samples the operator's metrics and both processes' CPU every `everyMs` until stopped, so the run
 * can say when the work started, where it queued, and whether the apiserver was saturated.
 */
function startSampler(url: string, apiPid: number, opPid: number, t0: number, everyMs = 500) {
  const samples: Sample[] = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const s = await scrape(url);
      samples.push({
        t: (performance.now() - t0) / 1000,
        s,
        apiCpu: cpuSeconds(apiPid),
        opCpu: cpuSeconds(opPid),
      });
      await sleep(everyMs);
    }
  })();
  return {
    samples,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

const WATCHED = ["virtualmcpserver", "mcpgroup", "mcpserverentry", "mcpexternalauthconfig"];

/** Timeline lines: milestones, then one line per `bucketS` with rates, CPU in cores and queue depths. */
function timeline(samples: Sample[], createdS: number, convergedS: number, bucketS: number): string[] {
  const first = samples[0];
  if (!first) return [];
  const firstWrite = samples.find((x) => x.s.writes > first.s.writes)?.t;
  const last = samples.at(-1) ?? first;
  const lastChange = (value: (x: Sample) => number) => {
    let t: number | undefined;
    for (let i = 1; i < samples.length; i++) {
      if (value(samples[i] as Sample) !== value(samples[i - 1] as Sample)) t = (samples[i] as Sample).t;
    }
    return t;
  };
  const lastWrite = lastChange((x) => x.s.writes);
  const firstReconcile = (c: string) =>
    samples.find((x) => (x.s.reconcilesBy[c] ?? 0) > (first.s.reconcilesBy[c] ?? 0))?.t;
  const lastReconcile = (c: string) => lastChange((x) => x.s.reconcilesBy[c] ?? 0);
  const f = (v: number | undefined) => (v === undefined ? "-" : `${v.toFixed(1)} s`);
  const out = [
    `creates done ${f(createdS)}, first operator write ${f(firstWrite)}, converged ${f(convergedS)}, last write ${f(lastWrite)}`,
    ...WATCHED.map((c) => `  ${c}: reconciles ${f(firstReconcile(c))} .. ${f(lastReconcile(c))}`),
    `  t(s)  writes/s  apiserver cores  operator cores  queue depth (${WATCHED.join(" / ")})`,
  ];
  let prev = first;
  for (const x of samples) {
    if (x.t - prev.t < bucketS && x !== last) continue;
    const dt = x.t - prev.t;
    out.push(
      `  ${x.t.toFixed(0).padStart(4)}  ${((x.s.writes - prev.s.writes) / dt).toFixed(0).padStart(8)}  ${((x.apiCpu - prev.apiCpu) / dt).toFixed(2).padStart(15)}  ${((x.opCpu - prev.opCpu) / dt).toFixed(2).padStart(14)}  ${WATCHED.map((c) => x.s.depthBy[c] ?? 0).join(" / ")}`,
    );
    prev = x;
  }
  return out;
}

/** The apiserver's request latency by `resource verb`: {count, seconds} summed over the label sets. */
type RequestCost = Record<string, { count: number; seconds: number }>;

async function apiserverRequests(kc: KubeConfig): Promise<RequestCost> {
  const res = await openRequest(kc, { method: "GET", path: "/metrics", timeoutMs: 30_000 });
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const out: RequestCost = {};
  const re = /^apiserver_request_duration_seconds_(sum|count)\{([^}]*)\} (\S+)$/gm;
  for (const m of Buffer.concat(chunks).toString("utf8").matchAll(re)) {
    const labels = m[2] ?? "";
    const verb = /(?:^|,)verb="([^"]*)"/.exec(labels)?.[1] ?? "?";
    if (verb === "WATCH" || verb === "CONNECT") continue;
    const resource = /(?:^|,)resource="([^"]*)"/.exec(labels)?.[1] || "-";
    const sub = /(?:^|,)subresource="([^"]*)"/.exec(labels)?.[1];
    const key = `${resource}${sub ? `/${sub}` : ""} ${verb}`;
    const e = out[key] ?? { count: 0, seconds: 0 };
    out[key] = e;
    if (m[1] === "sum") e.seconds += Number(m[3]);
    else e.count += Number(m[3]);
  }
  return out;
}

/** after - before, per server, the costliest `top` request kinds first. */
function requestCostPerServer(before: RequestCost, after: RequestCost, n: number, top = 12): string[] {
  return Object.entries(after)
    .map(([k, a]) => {
      const b = before[k] ?? { count: 0, seconds: 0 };
      return { k, count: (a.count - b.count) / n, ms: ((a.seconds - b.seconds) * 1000) / n };
    })
    .filter((e) => e.count > 0)
    .sort((x, y) => y.ms - x.ms)
    .slice(0, top)
    .map((e) => `${e.k}: ${e.count.toFixed(2)} req, ${e.ms.toFixed(1)} ms`);
}

/** Records `seconds` of the apiserver's CPU profile into `<prefix>-<n>-<who>.pprof`. */
async function profileApiserver(kc: KubeConfig, seconds: number, file: string): Promise<void> {
  const res = await openRequest(kc, {
    method: "GET",
    path: "/debug/pprof/profile",
    query: { seconds },
    timeoutMs: (seconds + 60) * 1000,
  });
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  writeFileSync(file, Buffer.concat(chunks));
  console.error(`apiserver CPU profile: ${file}`);
}

async function startOperatorProcess(
  checkout: string,
  kubeconfig: string,
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(checkout, "packages/operator/src/main.ts"),
      `--kubeconfig=${kubeconfig}`,
      "--metrics-addr=127.0.0.1",
      `--metrics-port=${port}`,
      "--leader-elect=false",
      "--log-level=error",
      ...(values.concurrency ? [`--concurrency=${values.concurrency}`] : []),
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const url = `http://127.0.0.1:${port}`;
  child.once("exit", (code, signal) => {
    if (code !== 0 && signal !== "SIGTERM") console.error(`operator exited: code ${code}, signal ${signal}`);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`operator exited early (${code})`))),
  );
  const isReady = () =>
    fetch(`${url}/readyz`).then(
      (r) => r.text().then(() => r.ok),
      () => false,
    );
  const ready = poll("operator /readyz", async () => ((await isReady()) ? true : undefined));
  await Promise.race([ready, exited]);
  return { child, url };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

async function createAll(kc: KubeConfig, ns: string, n: number): Promise<void> {
  const post = (ref: ResourceRef, kind: string, name: string, spec: object) =>
    kubeRequest(kc, {
      method: "POST",
      path: collectionPath(ref, ns),
      body: { apiVersion: API_VERSION, kind, metadata: { name, namespace: ns }, spec },
    });
  // One MCPExternalAuthConfig every entry uses, and the servers build their backends' auth from it
  // (inline): the "shared config change" step edits it once.
  await kubeRequest(kc, {
    method: "POST",
    path: collectionPath(SECRETS, ns),
    body: { apiVersion: "v1", kind: "Secret", metadata: { name: "shared-secret" }, data: { v: "czNjcmV0" } },
  });
  await post(AUTH_CONFIGS, "MCPExternalAuthConfig", SHARED_AUTH, {
    type: "headerInjection",
    headerInjection: { headerName: "X-API-Key", valueSecretRef: { name: "shared-secret", key: "v" } },
  });
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const name = `s${i}`;
      await post(GROUPS, "MCPGroup", `${name}-group`, {});
      await post(ENTRIES, "MCPServerEntry", `${name}-entry`, {
        groupRef: { name: `${name}-group` },
        remoteUrl: `https://${name}.example.com/mcp`,
        transport: "streamable-http",
        externalAuthConfigRef: { name: SHARED_AUTH },
      });
      await post(VMCPS, "VirtualMCPServer", name, {
        groupRef: { name: `${name}-group` },
        incomingAuth: { type: "anonymous" },
        outgoingAuth: { source: "inline" },
      });
    }
  };
  await Promise.all(Array.from({ length: CREATE_PARALLEL }, worker));
}

type Obj = {
  metadata: { name: string; generation?: number };
  spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
  status?: { observedGeneration?: number };
};

/** Each Deployment's pod template config checksum, by name. */
async function podChecksums(kc: KubeConfig, ns: string): Promise<Map<string, string | undefined>> {
  const list = await kubeRequest<{ items: Obj[] }>(kc, {
    method: "GET",
    path: collectionPath(DEPLOYMENTS, ns),
  });
  return new Map(
    list.items.map((d) => [d.metadata.name, d.spec?.template?.metadata?.annotations?.[CHECKSUM]]),
  );
}

async function converged(kc: KubeConfig, ns: string, n: number): Promise<boolean> {
  const list = async (ref: ResourceRef) =>
    (await kubeRequest<{ items: Obj[] }>(kc, { method: "GET", path: collectionPath(ref, ns) })).items;
  const vmcps = await list(VMCPS);
  if (vmcps.length < n) return false;
  if (!vmcps.every((v) => v.status?.observedGeneration === v.metadata.generation)) return false;
  const names = new Set(vmcps.map((v) => v.metadata.name));
  const deployments = (await list(DEPLOYMENTS)).filter((d) => names.has(d.metadata.name));
  const services = (await list(SERVICES)).filter((s) => names.has(s.metadata.name.replace(/^vmcp-/, "")));
  return deployments.length === n && services.length === n;
}

interface Result {
  n: number;
  who: string;
  createS: number;
  convergeS: number;
  writesPerObject: number;
  operatorCpuMsPerObject: number;
  apiserverCpuMsPerObject: number;
  rssMiB: number;
  idleWrites: number;
  writesByKind: Record<string, number>;
  /** Apiserver request latency per server by resource and verb (latency, not CPU: a pointer). */
  apiserverRequestsPerServer: string[];
  eventsByReason: Record<string, number>;
  /** One edit of the MCPExternalAuthConfig all N servers use: until every Deployment rolled. */
  configChangeS: number;
  configChangeWrites: number;
  configChangeByKind: Record<string, number>;
}

async function runOnce(n: number, who: string, checkout: string): Promise<Result> {
  const cp = await startControlPlane({ log: () => {}, profiling: values["apiserver-profile"] !== undefined });
  try {
    const apiPid = cp.info().apiServerPid;
    if (!apiPid) throw new Error("no apiserver pid");
    const kc = cp.kubeConfig();
    const ns = await createNamespace(kc, "bench-opscale");
    const op = await startOperatorProcess(checkout, cp.kubeconfigPath);
    try {
      const pid = op.child.pid!;
      const before = await scrape(op.url);
      const req0 = await apiserverRequests(kc);
      const cpu0 = cpuSeconds(pid);
      const api0 = cpuSeconds(apiPid);
      const t0 = performance.now();
      const sampler = startSampler(op.url, apiPid, pid, t0);
      const prefix = values["apiserver-profile"];
      const profiled = prefix
        ? profileApiserver(
            kc,
            Number(values["profile-seconds"]),
            `${prefix}-${n}-${who.replace(/\W+/g, "-")}.pprof`,
          )
        : Promise.resolve();
      await createAll(kc, ns.name, n);
      const tCreated = performance.now();
      // The operator's queue first: listing N Deployments four times a second while it still works
      // would charge the bench's own reads to the apiserver's cost per server.
      await poll("convergence", async () =>
        (await scrape(op.url)).depth === 0 && (await converged(kc, ns.name, n)) ? true : undefined,
      );
      const tConverged = performance.now();
      // Quiet: no write and no reconcile for 2 s (MCPGroup and entry status settle after the servers).
      const quiet = async () => {
        let last = await scrape(op.url);
        let since = performance.now();
        await poll("quiet", async () => {
          const s = await scrape(op.url);
          if (s.writes !== last.writes || s.reconciles !== last.reconciles || s.depth > 0) {
            last = s;
            since = performance.now();
          }
          return performance.now() - since >= 2000 ? true : undefined;
        });
      };
      await quiet();
      await sampler.stop();
      const cpu1 = cpuSeconds(pid);
      const api1 = cpuSeconds(apiPid);
      const settled = await scrape(op.url);
      const req1 = await apiserverRequests(kc);
      const events = await kubeRequest<{ items: { reason?: string }[] }>(kc, {
        method: "GET",
        path: `/apis/events.k8s.io/v1/namespaces/${ns.name}/events`,
      });
      const eventsByReason: Record<string, number> = {};
      for (const e of events.items)
        eventsByReason[e.reason ?? "?"] = (eventsByReason[e.reason ?? "?"] ?? 0) + 1;
      await sleep(IDLE_MS);
      const idle = await scrape(op.url);

      // Shared config change: one edit of the MCPExternalAuthConfig every server uses.
      const sums = await podChecksums(kc, ns.name);
      const tChange = performance.now();
      await kubeRequest(kc, {
        method: "PATCH",
        path: `${collectionPath(AUTH_CONFIGS, ns.name)}/${SHARED_AUTH}`,
        body: { spec: { headerInjection: { headerName: "X-Other-Key" } } },
        contentType: "application/merge-patch+json",
      });
      await poll("rollout of the shared config change", async () => {
        if ((await scrape(op.url)).depth > 0) return undefined;
        const now = await podChecksums(kc, ns.name);
        return [...sums].every(([name, sum]) => now.get(name) !== sum) ? true : undefined;
      });
      const tRolled = performance.now();
      await quiet();
      const changed = await scrape(op.url);
      const lines = timeline(
        sampler.samples,
        (tCreated - t0) / 1000,
        (tConverged - t0) / 1000,
        Math.max(1, Math.round((tConverged - t0) / 1000 / 20)),
      );
      console.error([`timeline N=${n} (${who}):`, ...lines].join("\n"));
      const result: Result = {
        n,
        who,
        createS: (tCreated - t0) / 1000,
        convergeS: (tConverged - tCreated) / 1000,
        writesPerObject: (settled.writes - before.writes) / n,
        operatorCpuMsPerObject: ((cpu1 - cpu0) * 1000) / n,
        apiserverCpuMsPerObject: ((api1 - api0) * 1000) / n,
        rssMiB: rssMiB(pid),
        idleWrites: idle.writes - settled.writes,
        writesByKind: settled.byKind,
        apiserverRequestsPerServer: requestCostPerServer(req0, req1, n),
        eventsByReason,
        configChangeS: (tRolled - tChange) / 1000,
        configChangeWrites: changed.writes - idle.writes,
        configChangeByKind: Object.fromEntries(
          Object.entries(changed.byKind)
            .map(([k, v]) => [k, v - (idle.byKind[k] ?? 0)] as const)
            .filter(([, v]) => v > 0),
        ),
      };
      await profiled;
      console.log(JSON.stringify(result));
      return result;
    } finally {
      await stop(op.child);
    }
  } finally {
    await cp.stop();
  }
}

const results: Result[] = [];
for (const n of SIZES) {
  if (values["baseline-root"]) results.push(await runOnce(n, "baseline", values["baseline-root"]));
  results.push(await runOnce(n, "this checkout", root));
}

const f = (v: number, d = 1) => v.toFixed(d);
console.log(
  `\n| N | checkout | create all | converge after last create | writes / server | operator CPU / server | apiserver CPU / server | operator RSS | idle writes (${values.idle} s) | shared config change: writes (rollout) |`,
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const r of results) {
  console.log(
    `| ${r.n} | ${r.who} | ${f(r.createS)} s | ${f(r.convergeS)} s | ${f(r.writesPerObject)} | ${f(r.operatorCpuMsPerObject)} ms | ${f(r.apiserverCpuMsPerObject)} ms | ${f(r.rssMiB, 0)} MiB | ${r.idleWrites} | ${r.configChangeWrites} (${f(r.configChangeS)} s) |`,
  );
}
