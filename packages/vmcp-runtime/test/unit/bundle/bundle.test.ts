// The images run the esbuild bundle, not the sources: it must be a working `vmcp` on its own,
// and standalone mode must not carry the Kubernetes client in the chunk it loads at start.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startOtlpReceiver } from "@vmcp/testenv/otlp-receiver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { USAGE } from "../../../src/cli.ts";
import { spawnNode } from "../../fixtures/process.ts";
import { INITIALIZE, servingUrl } from "../../fixtures/serve-process.ts";

const root = join(import.meta.dirname, "../../../../..");
const dist = join(root, "packages/vmcp-runtime/dist");
const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
const dir = mkdtempSync(join(tmpdir(), "vmcp-bundle-"));

/** Every chunk evaluated when these are: they and, transitively, their static imports. */
function chunksLoadedFrom(...entries: string[]): Set<string> {
  const loaded = new Set<string>();
  const visit = (f: string) => {
    if (loaded.has(f)) return;
    loaded.add(f);
    for (const m of readFileSync(join(dist, f), "utf8").matchAll(/from\s*"\.\/([^"]+\.mjs)"/g))
      visit(m[1] as string);
  };
  for (const e of entries) visit(e);
  return loaded;
}

/** A session opened and pinged; the ping's HTTP status. */
async function initializeAndPing(url: string): Promise<number> {
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  const init = await fetch(url, { method: "POST", headers, body: INITIALIZE });
  const sid = init.headers.get("mcp-session-id") ?? "";
  await init.text();
  const ping = await fetch(url, {
    method: "POST",
    headers: { ...headers, "mcp-session-id": sid },
    body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }),
  });
  await ping.text();
  return ping.status;
}

describe("the runtime bundle (scripts/bundle.ts runtime)", () => {
  beforeAll(() => {
    const r = node(["scripts/bundle.ts", "runtime"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 60_000);
  afterAll(() => {
    const cache = join(dir, "compile-cache");
    for (const d of existsSync(cache) ? [cache, ...readdirSync(cache).map((v) => join(cache, v))] : [])
      chmodSync(d, 0o755);
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints the same --help as the sources", () => {
    const r = node([join(dist, "vmcp.mjs"), "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${USAGE}\n`);
  });

  it("validates a config and reports a bad one with its path, as the sources do", () => {
    const good = join(dir, "good.yaml");
    writeFileSync(
      good,
      "name: b\ngroupRef: g\nincomingAuth: { type: anonymous }\noutgoingAuth: { source: inline }\nbackends:\n  - { name: one, url: 'http://127.0.0.1:9/mcp', transport: streamable-http }\n",
    );
    const ok = node([join(dist, "vmcp.mjs"), "validate", "--config", good]);
    expect(ok.stdout).toContain("valid (1 static backends)");
    expect(ok.status).toBe(0);
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "name: b\nincomingAuth: { type: nope }\n");
    const r = node([join(dist, "vmcp.mjs"), "validate", "--config", bad]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("incomingAuth");
  });

  it("keeps the OpenTelemetry SDK in its own chunk, loaded only when telemetry is on", () => {
    const entry = readFileSync(join(dist, "vmcp.mjs"), "utf8");
    const statics = [...entry.matchAll(/from\s*"\.\/([^"]+\.mjs)"/g)].map((m) => m[1] as string);
    const otelChunk = readdirSync(dist).find((f) => f.startsWith("otel-") && f.endsWith(".mjs"));
    expect(otelChunk, "a separate OpenTelemetry chunk").toBeDefined();
    expect(statics).not.toContain(otelChunk);
    for (const f of ["vmcp.mjs", ...statics]) {
      expect(readFileSync(join(dist, f), "utf8"), f).not.toMatch(/BatchSpanProcessor|OTLPTraceExporter/);
    }
  });

  it("exports spans over OTLP/HTTP with telemetry on", async () => {
    const receiver = await startOtlpReceiver();
    const file = join(dir, "traced.yaml");
    writeFileSync(
      file,
      [
        "name: bundled",
        "groupRef: g",
        "incomingAuth: { type: anonymous }",
        "backends:",
        "  - { name: one, url: 'http://127.0.0.1:9/mcp', transport: streamable-http }",
        "telemetry:",
        `  endpoint: ${receiver.url}`,
        "  tracingEnabled: true",
        '  samplingRate: "1"',
        "",
      ].join("\n"),
    );
    const gw = await spawnNode(
      [join(dist, "vmcp.mjs"), "serve", "--config", file, "--port", "0"],
      servingUrl,
      {
        env: { ...process.env, OTEL_BSP_SCHEDULE_DELAY: "50" },
      },
    );
    try {
      expect(await initializeAndPing(gw.value)).toBe(200);
      const spans = await receiver.waitFor((s) => s.some((x) => x.name === "ping"));
      expect(spans.find((x) => x.name === "ping")?.resource["service.name"]).toBe("bundled");
    } finally {
      await gw.stop();
      await receiver.close();
    }
  });

  it("keeps the Kubernetes client out of what Kubernetes mode loads for a pod or a plain kubeconfig", () => {
    const k8sChunk = readdirSync(dist).find((f) => f.startsWith("kubernetes-mode-") && f.endsWith(".mjs"));
    expect(k8sChunk, "a separate Kubernetes-mode chunk").toBeDefined();
    for (const f of chunksLoadedFrom("vmcp.mjs", k8sChunk ?? ""))
      expect(readFileSync(join(dist, f), "utf8"), f).not.toContain("loadFromCluster");
    // ...but it is there, on demand, for a kubeconfig that needs a plugin.
    const all = readdirSync(dist).filter((f) => f.endsWith(".mjs"));
    expect(all.some((f) => readFileSync(join(dist, f), "utf8").includes("loadFromCluster"))).toBe(true);
  });

  it("keeps the Kubernetes client out of what standalone mode loads", () => {
    const entry = readFileSync(join(dist, "vmcp.mjs"), "utf8");
    const statics = [...entry.matchAll(/from\s*"\.\/([^"]+\.mjs)"/g)].map((m) => m[1] as string);
    const k8sChunk = readdirSync(dist).find((f) => f.startsWith("kubernetes-mode-") && f.endsWith(".mjs"));
    expect(k8sChunk, "a separate Kubernetes-mode chunk").toBeDefined();
    expect(statics).not.toContain(k8sChunk);
    for (const f of ["vmcp.mjs", ...statics]) {
      expect(readFileSync(join(dist, f), "utf8"), f).not.toContain("loadFromCluster");
    }
  });

  it("starts from the compile cache scripts/compile-cache.ts fills, read-only as in the image", () => {
    const cache = join(dir, "compile-cache");
    const fill = node(["--max-semi-space-size=2", "scripts/compile-cache.ts", cache, dist, "vmcp.mjs"]);
    expect(fill.stderr).toBe("");
    expect(fill.status).toBe(0);
    const [version] = readdirSync(cache);
    const chunks = readdirSync(dist).filter((f) => f.endsWith(".mjs"));
    // One cache file per chunk: the on-demand ones (Kubernetes mode, telemetry) included.
    expect(readdirSync(join(cache, version ?? ""))).toHaveLength(chunks.length);
    const good = join(dir, "cached.yaml");
    writeFileSync(
      good,
      "name: b\ngroupRef: g\nincomingAuth: { type: anonymous }\nbackends:\n  - { name: one, url: 'http://127.0.0.1:9/mcp', transport: streamable-http }\n",
    );
    const argv = ["--max-semi-space-size=2", join(dist, "vmcp.mjs"), "validate", "--config", good];
    const env = { ...process.env, NODE_COMPILE_CACHE: cache, NODE_DEBUG_NATIVE: "COMPILE_CACHE" };
    // The image's root filesystem is read-only: as root (who could write anyway) the cache is
    // mounted read-only in a mount namespace of its own; anyone else gets it without write access.
    const asRoot = process.getuid?.() === 0;
    if (!asRoot) for (const d of [join(cache, version ?? ""), cache]) chmodSync(d, 0o555);
    const r = asRoot
      ? spawnSync(
          "unshare",
          ["-m", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$@"', cache, process.execPath, ...argv],
          { cwd: root, encoding: "utf8", env },
        )
      : spawnSync(process.execPath, argv, { cwd: root, encoding: "utf8", env });
    expect(r.stdout).toContain("valid (1 static backends)");
    expect(r.status).toBe(0);
    const accepted = [...r.stderr.matchAll(/V8 code cache for ESM (\S+) was accepted/g)].map((m) => m[1]);
    expect(accepted).toContain(pathToFileURL(join(dist, "vmcp.mjs")).href);
    expect(accepted.length).toBeGreaterThan(1);
    expect(r.stderr).not.toMatch(/rejected|failed|Cannot/i);
  });

  it("loads prom-client on the first /metrics scrape, not at start", async () => {
    for (const f of chunksLoadedFrom("vmcp.mjs")) {
      expect(readFileSync(join(dist, f), "utf8"), f).not.toMatch(
        /process_cpu_user_seconds_total|class Registry\b/,
      );
    }
    const file = join(dir, "scraped.yaml");
    writeFileSync(
      file,
      "name: b\ngroupRef: g\nincomingAuth: { type: anonymous }\nbackends:\n  - { name: one, url: 'http://127.0.0.1:9/mcp', transport: streamable-http }\n",
    );
    const gw = await spawnNode(
      [join(dist, "vmcp.mjs"), "serve", "--config", file, "--port", "0"],
      servingUrl,
    );
    try {
      const r = await fetch(new URL("/metrics", gw.value));
      expect(r.headers.get("content-type")).toContain("text/plain");
      const text = await r.text();
      expect(text).toContain("vmcp_build_info{");
      expect(text).toContain("process_cpu_user_seconds_total");
      expect(text).toMatch(/^vmcp_sessions 0$/m);
    } finally {
      await gw.stop();
    }
  });

  it("serves a session without loading Node's internal copy of undici (about 2 MiB of RSS)", async () => {
    // Node loads it for an ESM import of node:http (the namespace reads the lazy WebSocket
    // getters) and for the fetch globals; the runtime uses the undici package for its own calls.
    const probe = join(dir, "undici-probe.cjs");
    const seen = join(dir, "undici-seen.json");
    writeFileSync(
      probe,
      `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(seen)}, JSON.stringify(process.moduleLoadList.filter((m) => m.includes("undici")))));`,
    );
    const file = join(dir, "undici.yaml");
    writeFileSync(
      file,
      "name: b\ngroupRef: g\nincomingAuth: { type: anonymous }\nbackends:\n  - { name: one, url: 'http://127.0.0.1:9/mcp', transport: streamable-http }\n",
    );
    const gw = await spawnNode(
      ["--require", probe, join(dist, "vmcp.mjs"), "serve", "--config", file, "--port", "0"],
      servingUrl,
    );
    try {
      expect(await initializeAndPing(gw.value)).toBe(200);
    } finally {
      await gw.stop();
    }
    expect(JSON.parse(readFileSync(seen, "utf8"))).toEqual([]);
  });

  it("is ASCII in every chunk, which Node then holds as one-byte source", () => {
    const chunks = readdirSync(dist).filter((n) => n.endsWith(".mjs"));
    // Without this an empty dist would pass: the loop below would check nothing.
    expect(chunks).toContain("vmcp.mjs");
    for (const f of chunks) {
      const at = readFileSync(join(dist, f)).findIndex((b) => b > 0x7f);
      expect(at, `first non-ASCII byte of ${f}`).toBe(-1);
    }
  });
});
