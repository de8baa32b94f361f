// Memory of one `vmcp serve` in front of B backends (bench/scale/backend-host.ts), after start and
// one tools/list (not a test): RSS, then a heap snapshot (--heapsnapshot-signal) summarised by
// node type and constructor, so what dominates is visible without a debugger.
//   node bench/scale/memory.ts [--backends 200] [--tools 50] [--root <checkout>] [--top 25]
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { benchArgs } from "../helpers/args.ts";
import { rssMiB, waitForLine } from "../helpers/process.ts";

const { values } = benchArgs(import.meta.url, {
  options: {
    backends: { type: "string", default: "200" },
    tools: { type: "string", default: "50" },
    root: { type: "string" },
    top: { type: "string", default: "25" },
    /** Extra node flags for the gateway, e.g. --max-semi-space-size=16. */
    "node-args": { type: "string", default: "" },
  },
});
const B = Number(values.backends);
const T = Number(values.tools);
const here = new URL("../../", import.meta.url).pathname;
const checkout = values.root ?? here;

const children = new Set<ChildProcess>();
const stopAll = () => {
  for (const c of children) c.kill("SIGTERM");
};
process.once("SIGINT", () => {
  stopAll();
  process.exit(130);
});

const dir = await mkdtemp(join(tmpdir(), "vmcp-bench-memory-"));
try {
  const host = spawn(process.execPath, [join(here, "bench/scale/backend-host.ts")], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, SCALE_BACKENDS: String(B), SCALE_TOOLS: String(T) },
  });
  children.add(host);
  const urls = (
    JSON.parse(await waitForLine(host, (l) => (l.startsWith("{") ? l : undefined))) as { urls: string[] }
  ).urls;
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
      "backends:",
      ...urls.flatMap((u, i) => [`  - name: b${i}`, `    url: ${u}`, "    transport: streamable-http"]),
      "",
    ].join("\n"),
  );
  const gw = spawn(
    process.execPath,
    [
      "--heapsnapshot-signal=SIGUSR2",
      "--expose-gc",
      ...values["node-args"].split(" ").filter(Boolean),
      "--import",
      join(here, "bench/scale/memory-report.ts"),
      join(checkout, "packages/vmcp-runtime/src/main.ts"),
      "serve",
      "--config",
      cfg,
      "--host",
      "127.0.0.1",
      "--port",
      "0",
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
      cwd: dir,
      env: { ...process.env, VMCP_MEMORY_REPORT: join(dir, "memory.json") },
    },
  );
  children.add(gw);
  const url = await waitForLine(gw, (l) => {
    try {
      const o = JSON.parse(l) as { msg?: string; url?: string };
      return o.msg === "vmcp serving" ? o.url : undefined;
    } catch {
      return undefined;
    }
  });
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  const init = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "m", version: "1" } },
    }),
  });
  const sid = init.headers.get("mcp-session-id") ?? "";
  await init.text();
  // Wait until every backend's tools are in the view (start-up may still be listing).
  for (let i = 0; ; i++) {
    const r = await fetch(url, {
      method: "POST",
      headers: { ...headers, "mcp-session-id": sid },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    const n = ((await r.json()) as { result: { tools: unknown[] } }).result.tools.length;
    if (n === B * T) break;
    if (i > 600) throw new Error(`tools/list has ${n} tools, expected ${B * T}`);
    await delay(100);
  }
  await delay(2000);
  const pid = gw.pid as number;
  const rss = rssMiB(pid);
  gw.kill("SIGWINCH");
  for (let i = 0; i < 100 && !existsSync(join(dir, "memory.json")); i++) await delay(100);
  console.log(`after a full GC: ${readFileSync(join(dir, "memory.json"), "utf8")}`);
  gw.kill("SIGUSR2");
  let file: string | undefined;
  for (let last = -1; ; ) {
    await delay(500);
    file ??= readdirSync(dir).find((f) => f.endsWith(".heapsnapshot"));
    if (!file) continue;
    const size = statSync(join(dir, file)).size;
    if (size > 0 && size === last) break;
    last = size;
  }
  gw.kill("SIGTERM");
  host.kill("SIGTERM");
  summarise(JSON.parse(readFileSync(join(dir, file), "utf8")) as HeapSnapshot, rss);
} finally {
  stopAll();
  await rm(dir, { recursive: true, force: true });
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

function summarise(h: HeapSnapshot, rss: number): void {
  const f = h.snapshot.meta.node_fields;
  const width = f.length;
  const [TYPE, NAME, SIZE] = [f.indexOf("type"), f.indexOf("name"), f.indexOf("self_size")];
  const types = h.snapshot.meta.node_types[0];
  const byKey = new Map<string, { n: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < h.nodes.length; i += width) {
    const type = types[h.nodes[i + TYPE]!]!;
    const size = h.nodes[i + SIZE]!;
    total += size;
    const key =
      type === "object" || type === "closure" || type === "native"
        ? `${type} ${h.strings[h.nodes[i + NAME]!]!.slice(0, 60)}`
        : type;
    const e = byKey.get(key) ?? { n: 0, bytes: 0 };
    e.n++;
    e.bytes += size;
    byKey.set(key, e);
  }
  // Strings held more than once: a snapshot names a string node by its content.
  const copies = new Map<number, { n: number; bytes: number }>();
  for (let i = 0; i < h.nodes.length; i += width) {
    if (types[h.nodes[i + TYPE]!] !== "string") continue;
    const e = copies.get(h.nodes[i + NAME]!) ?? { n: 0, bytes: 0 };
    e.n++;
    e.bytes += h.nodes[i + SIZE]!;
    copies.set(h.nodes[i + NAME]!, e);
  }
  const mib = (b: number) => (b / 1048576).toFixed(1);
  const dup = [...copies].filter(([, e]) => e.n > 1);
  console.log(
    `strings held more than once: ${dup.length} distinct, ${mib(dup.reduce((a, [, e]) => a + e.bytes - e.bytes / e.n, 0))} MiB in the extra copies; largest:`,
  );
  for (const [name, e] of dup.sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 8))
    console.log(`  ${e.n} x ${JSON.stringify(h.strings[name]!.slice(0, 70))} (${mib(e.bytes)} MiB)`);
  console.log(`B=${B} T=${T}: RSS ${rss.toFixed(0)} MiB, heap (snapshot self sizes) ${mib(total)} MiB`);
  console.log("| what | count | MiB |\n|---|---|---|");
  for (const [k, e] of [...byKey].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, Number(values.top)))
    console.log(`| ${k} | ${e.n} | ${mib(e.bytes)} |`);
}
