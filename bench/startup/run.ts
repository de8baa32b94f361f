// Start-up benchmark: spawn -> first successful tools/call, the CPU time the process used up to
// then, and idle RSS, of `vmcp serve` (standalone, a static config with one echo backend), beside
// a plain `node -e` HTTP server as the baseline, in the same run and taking turns. Each entry is
// measured as built: the TypeScript sources (type-stripped at start) and, where `pnpm run
// build:bundle` made it, the bundle with the V8 flag the images set, once without a compile cache
// and once as the runtime image runs it: with the V8 compile cache scripts/compile-cache.ts fills
// at image build, read-only (a read-only bind mount where the bench may mount, as root).
// With --kubernetes or --operator it also starts a local control plane: --kubernetes measures
// `vmcp serve` in Kubernetes mode (its VirtualMCPServer, MCPGroup and one MCPServerEntry at a local
// SDK backend, discovered with the token of the ServiceAccount the operator's RBAC builders make)
// twice: as in a pod (KUBERNETES_SERVICE_HOST/PORT, the token and CA files) and with a kubeconfig,
// and --operator the operator: spawn -> /readyz 200, and idle RSS.
// --before-root <checkout>: also runs the sources of another checkout (e.g. main), and its bundle
// where it has one, taking turns with the others, so a change is compared under the same load.
// --bundle-only leaves the sources out; --cpu-prof <dir> writes a CPU profile of every bundle run.
//   node bench/startup/run.ts [--runs 5] [--idle 3] [--kubernetes] [--operator] [--bundle-only]
//                             [--before-root <checkout>] [--cpu-prof <dir>]
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchArgs } from "../helpers/args.ts";
import { imageNodeArgs, waitForLine } from "../helpers/process.ts";

const { values } = benchArgs(import.meta.url, {
  options: {
    runs: { type: "string", default: "5" },
    idle: { type: "string", default: "3" },
    operator: { type: "boolean", default: false },
    kubernetes: { type: "boolean", default: false },
    "before-root": { type: "string" },
    "bundle-only": { type: "boolean", default: false },
    "cpu-prof": { type: "string" },
  },
});
const RUNS = Number(values.runs);
const IDLE_MS = Number(values.idle) * 1000;
const root = new URL("../../", import.meta.url).pathname;

interface Sample {
  readyMs: number;
  /** User + system CPU of the process from spawn to ready: less bent by other processes' load. */
  cpuMs: number;
  rssMiB: number;
}

function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function urlFromLog(line: string): string | undefined {
  if (!line.startsWith("{")) return undefined;
  const o = JSON.parse(line) as { url?: string; msg?: string };
  return o.msg === "vmcp serving" ? o.url : undefined;
}

async function rpc(url: string, body: object, session?: string): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(session ? { "mcp-session-id": session, "mcp-protocol-version": "2025-06-18" } : {}),
    },
    body: JSON.stringify(body),
  });
}

/** initialize, notifications/initialized, tools/call bench_echo: throws unless the call succeeds. */
interface Call {
  tool: string;
  /** Text the result must contain. */
  expect: string;
}
const STANDALONE_CALL: Call = { tool: "bench_echo", expect: "bench:hi" };

async function firstToolCall(url: string, c: Call): Promise<void> {
  const init = await rpc(url, {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
  });
  const session = init.headers.get("mcp-session-id") ?? undefined;
  await init.text();
  if (!init.ok || !session) throw new Error(`initialize: HTTP ${init.status}`);
  await (await rpc(url, { jsonrpc: "2.0", method: "notifications/initialized" }, session)).text();
  const call = await rpc(
    url,
    {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: c.tool, arguments: { text: "hi" } },
    },
    session,
  );
  const text = await call.text();
  if (!call.ok || !text.includes(c.expect) || text.includes('"isError":true')) {
    throw new Error(`tools/call: HTTP ${call.status} ${text.slice(0, 200)}`);
  }
}

async function measureBaseline(): Promise<Sample> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      "-e",
      `const s=require("node:http").createServer((q,r)=>r.end("ok"));s.listen(0,"127.0.0.1",()=>console.log(s.address().port))`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    const port = await waitForLine(child, (l) => (/^\d+$/.test(l) ? Number(l) : undefined));
    await (await fetch(`http://127.0.0.1:${port}/`)).text();
    const readyMs = performance.now() - t0;
    const cpu = cpuMs(child.pid!);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    return { readyMs, cpuMs: cpu, rssMiB: rssMiB(child.pid!) };
  } finally {
    await stop(child);
  }
}

async function measureRuntime(
  entry: Entry,
  config: string,
  call: Call = STANDALONE_CALL,
  env: NodeJS.ProcessEnv = { VMCP_NAME: "", VMCP_NAMESPACE: "" },
): Promise<Sample> {
  const t0 = performance.now();
  const child = spawnEntry(entry, ["serve", "--config", config, "--port", "0"], env);
  try {
    const url = await waitForLine(child, urlFromLog);
    await firstToolCall(url, call);
    const readyMs = performance.now() - t0;
    const cpu = cpuMs(child.pid!);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    return { readyMs, cpuMs: cpu, rssMiB: rssMiB(child.pid!) };
  } finally {
    await stop(child);
  }
}

async function measureOperator(entry: Entry, kubeconfig: string): Promise<Sample> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawnEntry(entry, [
    `--kubeconfig=${kubeconfig}`,
    "--leader-elect=false",
    "--metrics-addr=127.0.0.1",
    `--metrics-port=${port}`,
    "--log-level=warn",
  ]);
  try {
    const exited = new Promise<never>((_, reject) =>
      child.once("exit", (code) => reject(new Error(`operator exited early (${code})`))),
    );
    const ready = (async () => {
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.text().then(() => r.ok),
          () => false,
        );
        if (ok) return;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await Promise.race([ready, exited]);
    const readyMs = performance.now() - t0;
    const cpu = cpuMs(child.pid!);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    return { readyMs, cpuMs: cpu, rssMiB: rssMiB(child.pid!) };
  } finally {
    await stop(child);
  }
}

interface Entry {
  name: string;
  path: string;
  nodeArgs: string[];
  /** NODE_COMPILE_CACHE, filled by scripts/compile-cache.ts and mounted read-only when possible. */
  compileCache?: string;
}

/** With a compile cache, as the image: the cache directory read-only (root in a mount namespace). */
function spawnEntry(entry: Entry, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const prof =
    values["cpu-prof"] && entry.path.endsWith(".mjs")
      ? ["--cpu-prof", "--cpu-prof-dir", values["cpu-prof"]]
      : [];
  const argv = [process.execPath, ...entry.nodeArgs, ...prof, entry.path, ...args];
  const cache = entry.compileCache;
  const childEnv = { ...process.env, ...env, ...(cache ? { NODE_COMPILE_CACHE: cache } : {}) };
  const stdio: ["ignore", "pipe", "inherit"] = ["ignore", "pipe", "inherit"];
  if (cache && canMountReadOnly) {
    // unshare and sh exec: the pid measured is node's.
    const script = `mount --bind -o ro "$0" "$0" && exec "$@"`;
    return spawn("unshare", ["-m", "sh", "-c", script, cache, ...argv], { stdio, env: childEnv });
  }
  return spawn(argv[0] as string, argv.slice(1), { stdio, env: childEnv });
}
const canMountReadOnly =
  spawnSync("unshare", ["-m", "sh", "-c", "mount --bind -o ro / /"], { stdio: "ignore" }).status === 0;

// The images run the bundle with the V8 flags of the runtime image's NODE_OPTIONS
// (BENCH_IMAGE_NODE_ARGS overrides them, to compare flags).
const IMAGE_NODE_ARGS = imageNodeArgs(root, process.env.BENCH_IMAGE_NODE_ARGS);

/** The runtime image's compile cache for a bundle, made the way its Dockerfile makes it. */
function compileCacheFor(distDir: string, bin: string): string | undefined {
  const cache = join(dir, `compile-cache-${compileCaches++}`);
  const r = spawnSync(
    process.execPath,
    [...IMAGE_NODE_ARGS, join(root, "scripts/compile-cache.ts"), cache, distDir, `${bin}.mjs`],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`scripts/compile-cache.ts failed: ${r.stderr}`);
  return cache;
}
let compileCaches = 0;

const entries = (what: string, pkg: string, bin: string, imageCompileCache = false): Entry[] =>
  [
    ...(values["before-root"]
      ? [
          ...(values["bundle-only"]
            ? []
            : [
                {
                  name: `${what} (before)`,
                  path: join(values["before-root"], `packages/${pkg}/src/main.ts`),
                  nodeArgs: [],
                },
              ]),
          {
            name: `${what} (before, bundle)`,
            path: join(values["before-root"], `packages/${pkg}/dist/${bin}.mjs`),
            nodeArgs: IMAGE_NODE_ARGS,
          },
        ]
      : []),
    ...(values["bundle-only"]
      ? []
      : [{ name: `${what} (ts sources)`, path: join(root, `packages/${pkg}/src/main.ts`), nodeArgs: [] }]),
    {
      name: imageCompileCache ? `${what} (bundle, no compile cache)` : `${what} (bundle, as imaged)`,
      path: join(root, `packages/${pkg}/dist/${bin}.mjs`),
      nodeArgs: IMAGE_NODE_ARGS,
    },
  ]
    .filter((e) => existsSync(e.path))
    .flatMap((e: Entry) =>
      imageCompileCache && e.path.startsWith(root) && e.path.endsWith(".mjs")
        ? [
            e,
            {
              ...e,
              name: `${what} (bundle, as imaged)`,
              compileCache: compileCacheFor(join(root, `packages/${pkg}/dist`), bin),
            },
          ]
        : [e],
    );

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function report(rows: Map<string, Sample[]>, what: string): void {
  const base = rows.get("node -e baseline");
  const baseReady = base ? median(base.map((s) => s.readyMs)) : Number.NaN;
  console.log(
    `\n${what} (median of ${RUNS}; CPU = user + system up to ready; idle RSS after ${IDLE_MS / 1000} s)`,
  );
  for (const [name, samples] of rows) {
    const ready = median(samples.map((s) => s.readyMs));
    const cpu = median(samples.map((s) => s.cpuMs));
    const rss = median(samples.map((s) => s.rssMiB));
    const ratio = name === "node -e baseline" ? "" : `  (${(ready / baseReady).toFixed(1)}x baseline)`;
    console.log(
      `  ${name.padEnd(40)} ${ready.toFixed(0).padStart(6)} ms  CPU ${cpu.toFixed(0).padStart(4)} ms  ${rss.toFixed(1).padStart(6)} MiB${ratio}`,
    );
  }
}

/** RUNS rounds, each the baseline then every entry in turn, so all share the background load. */
async function rounds(what: string, present: Entry[], measure: (e: Entry) => Promise<Sample>): Promise<void> {
  const rows = new Map<string, Sample[]>([
    ["node -e baseline", []],
    ...present.map((e): [string, Sample[]] => [e.name, []]),
  ]);
  for (let i = 0; i < RUNS; i++) {
    rows.get("node -e baseline")?.push(await measureBaseline());
    for (const e of present) rows.get(e.name)?.push(await measure(e));
  }
  report(rows, what);
}

const dir = await mkdtemp(join(tmpdir(), "vmcp-bench-startup-"));
const backend = spawn(process.execPath, [join(root, "bench/helpers/echo-backend-process.ts")], {
  stdio: ["ignore", "pipe", "inherit"],
});
try {
  const backendUrl = await waitForLine(backend, (l) =>
    l.startsWith("{") ? (JSON.parse(l) as { url: string }).url : undefined,
  );
  const config = join(dir, "config.yaml");
  const runtimeEntries = entries("vmcp serve", "vmcp-runtime", "vmcp", true);
  await writeFile(
    config,
    [
      "name: bench",
      "groupRef: bench",
      "incomingAuth: { type: anonymous }",
      "outgoingAuth: { source: inline }",
      "aggregation:",
      "  conflictResolution: prefix",
      '  conflictResolutionConfig: { prefixFormat: "{workload}_" }',
      "backends:",
      `  - { name: bench, url: "${backendUrl}", transport: streamable-http }`,
      "",
    ].join("\n"),
  );
  await rounds("vmcp serve, standalone: spawn -> first successful tools/call", runtimeEntries, (e) =>
    measureRuntime(e, config),
  );

  if (values.operator || values.kubernetes) {
    const { createNamespace, startControlPlane } = await import("@vmcp/testenv");
    const cp = await startControlPlane({ log: () => {} });
    try {
      if (values.kubernetes) {
        // As in a pod: the operator's RBAC for the runtime, its ServiceAccount's token, the
        // VirtualMCPServer's group with one MCPServerEntry (a remote backend: the address policy
        // applies, hence the operator's loopback allowance for a backend on 127.0.0.1).
        const h = await import("@vmcp/vmcp-runtime/test-harness/status-k8s");
        const admin = cp.kubeConfig();
        const ns = await createNamespace(admin, "bench-startup");
        const b = await h.startTestBackend("bench");
        try {
          await h.createCr(admin, ns.name, "mcpgroups", h.GROUP_NAME, {});
          await h.patchStatus(admin, ns.name, "mcpgroups", h.GROUP_NAME, { phase: "Ready" });
          await h.createCr(admin, ns.name, "mcpserverentries", "bench", {
            remoteUrl: b.url,
            transport: "streamable-http",
            groupRef: { name: h.GROUP_NAME },
          });
          await h.patchStatus(admin, ns.name, "mcpserverentries", "bench", { phase: "Valid" });
          const vmcp = await h.createVmcp(admin, ns.name, "gw");
          const sa = await h.runtimeServiceAccount(admin, ns.name, vmcp, []);
          await writeFile(join(dir, "kubeconfig"), sa.exportConfig());
          // A pod's view of the same ServiceAccount: its token and the cluster CA as the kubelet
          // mounts them, the API server as KUBERNETES_SERVICE_HOST/PORT.
          const cluster = sa.getCurrentCluster();
          const token = sa.getCurrentUser()?.token;
          if (!cluster?.caData || !token) throw new Error("the ServiceAccount kubeconfig has no CA or token");
          const saDir = join(dir, "serviceaccount");
          await mkdir(saDir);
          await writeFile(join(saDir, "token"), token);
          await writeFile(join(saDir, "ca.crt"), Buffer.from(cluster.caData, "base64"));
          const server = new URL(cluster.server);
          const k8sConfig = join(dir, "config-k8s.yaml");
          await writeFile(
            k8sConfig,
            [
              "name: gw",
              `groupRef: ${h.GROUP_NAME}`,
              "incomingAuth: { type: anonymous }",
              "outgoingAuth: { source: discovered }",
              "aggregation:",
              "  conflictResolution: prefix",
              '  conflictResolutionConfig: { prefixFormat: "{workload}_" }',
              "",
            ].join("\n"),
          );
          const target = { VMCP_NAME: "gw", VMCP_NAMESPACE: ns.name, VMCP_ALLOW_LOOPBACK_BACKENDS: "true" };
          const inCluster = {
            ...target,
            KUBECONFIG: undefined,
            KUBERNETES_SERVICE_HOST: server.hostname,
            KUBERNETES_SERVICE_PORT: server.port,
            VMCP_SERVICE_ACCOUNT_DIR: saDir,
          };
          const kubeconfig = { ...target, KUBECONFIG: join(dir, "kubeconfig") };
          const call: Call = { tool: "bench_bench_echo", expect: "hello from bench" };
          // A checkout from before VMCP_SERVICE_ACCOUNT_DIR would look for the token in
          // /var/run/secrets: only this checkout's entries take the pod's way.
          await rounds(
            "vmcp serve, Kubernetes mode in a pod's way (in-cluster ServiceAccount files): spawn -> first successful tools/call",
            runtimeEntries.filter((e) => e.path.startsWith(root)),
            (e) => measureRuntime(e, k8sConfig, call, inCluster),
          );
          await rounds(
            "vmcp serve, Kubernetes mode with a kubeconfig file: spawn -> first successful tools/call",
            runtimeEntries,
            (e) => measureRuntime(e, k8sConfig, call, kubeconfig),
          );
        } finally {
          await b.kill();
          await ns.delete().catch(() => {});
        }
      }
      if (values.operator) {
        await rounds(
          "operator: spawn -> /readyz 200 (caches synced)",
          entries("operator", "operator", "vmcp-operator"),
          (e) => measureOperator(e, cp.kubeconfigPath),
        );
      }
    } finally {
      await cp.stop();
    }
  }
} finally {
  await stop(backend);
  await rm(dir, { recursive: true, force: true });
}
