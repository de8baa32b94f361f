// Standalone `vmcp serve` (no VMCP_NAME) runs the same health monitor as Kubernetes mode: a backend
// killed for real while nobody calls it is found by the active checks, its circuit opens, /status
// and the log reporter say so, its tools leave tools/list (with list_changed), a call to one fails
// at once naming the backend; brought back on the same port it returns without a restart.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { BackendStatus, RuntimeStatus } from "../../src/status/types.ts";
import { until } from "../fixtures/gateway.ts";
import { spawnNode } from "../fixtures/process.ts";
import { connectClient, startTestBackend, type TestBackend, toolNames } from "./status-k8s/harness.ts";

const MAIN = join(import.meta.dirname, "../../src/main.ts");

let dir: string;
let steady: TestBackend;
let flaky: TestBackend;
let vmcp: Awaited<ReturnType<typeof spawnNode>>;
let mcp: { client: Client; listChanged: () => number };
const logLines: string[] = [];

const statusOf = async (): Promise<RuntimeStatus> =>
  (await (await fetch(vmcp.value.replace(/\/mcp$/, "/status"))).json()) as RuntimeStatus;
const backend = (s: RuntimeStatus, name: string): BackendStatus | undefined =>
  s.backends.find((b) => b.name === name);
const untilStatus = (what: string, pred: (s: RuntimeStatus) => boolean) =>
  until(async () => {
    const s = await statusOf();
    return pred(s) ? s : undefined;
  }, what);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vmcp-standalone-health-"));
  [steady, flaky] = await Promise.all([startTestBackend("steady"), startTestBackend("flaky")]);
  const file = join(dir, "config.yaml");
  await writeFile(
    file,
    [
      "name: standalone-health",
      "groupRef: g",
      "incomingAuth: { type: anonymous }",
      "backends:",
      `  - { name: steady, url: "${steady.url}", transport: streamable-http }`,
      `  - { name: flaky, url: "${flaky.url}", transport: streamable-http }`,
      "operational:",
      "  failureHandling:",
      "    healthCheckInterval: 1s",
      // Generous against the 1 s interval: on a loaded machine a 500 ms check of the healthy
      // backend can miss, and this test is about the dead one.
      "    healthCheckTimeout: 900ms",
      "    unhealthyThreshold: 2",
      "    circuitBreaker: { enabled: true, failureThreshold: 2, timeout: 2s }",
      "",
    ].join("\n"),
  );
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.VMCP_NAME;
  delete env.VMCP_NAMESPACE;
  vmcp = await spawnNode(
    [MAIN, "serve", "--config", file, "--port", "0"],
    (line) => {
      logLines.push(line);
      try {
        const o = JSON.parse(line) as { msg?: string; url?: string };
        return o.msg === "vmcp serving" ? o.url : undefined;
      } catch {
        return undefined;
      }
    },
    { env },
  );
  mcp = await connectClient(vmcp.value);
}, 60_000);

afterAll(async () => {
  await mcp?.client.close().catch(() => {});
  await vmcp?.stop();
  await Promise.all([steady?.kill(), flaky?.kill()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("health-checks a standalone gateway's backends and opens the circuit of a dead one", async () => {
  await untilStatus("both healthy, circuits closed", (s) =>
    ["steady", "flaky"].every(
      (n) => backend(s, n)?.health === "healthy" && backend(s, n)?.circuitState === "closed",
    ),
  );
  expect(await toolNames(mcp.client)).toEqual(["flaky_flaky_echo", "steady_steady_echo"]);
  const changedBefore = mcp.listChanged();

  // No calls from here on: only the active checks can notice.
  await flaky.kill();
  const open = await untilStatus("flaky's circuit open", (s) => backend(s, "flaky")?.circuitState === "open");
  expect(backend(open, "flaky")).toMatchObject({
    health: "unhealthy",
    message: expect.stringMatching(/^Circuit breaker OPEN - /),
  });
  expect(backend(open, "steady")).toMatchObject({ health: "healthy", circuitState: "closed" });
  expect(open.phase).toBe("Degraded");
  await until(() => mcp.listChanged() > changedBefore, "tools/list_changed after the withdrawal");
  expect(await toolNames(mcp.client)).toEqual(["steady_steady_echo"]);
  // The log reporter says the same (one line per change).
  await until(
    () =>
      logLines.some((l) => {
        const o = JSON.parse(l) as { msg?: string; backends?: Array<{ name: string; circuit?: string }> };
        return (
          o.msg?.startsWith("status: Degraded") &&
          o.backends?.some((b) => b.name === "flaky" && b.circuit === "open")
        );
      }),
    "a Degraded status line with flaky's circuit open",
  );

  // The client listed flaky's tool before: it is told the backend is unavailable and why.
  await expect(mcp.client.callTool({ name: "flaky_flaky_echo", arguments: {} })).rejects.toMatchObject({
    code: -32603,
    message: expect.stringMatching(
      /backend 'flaky' is unavailable \(circuit (open\); retry after \S+Z|half-open)/,
    ),
    data: { backend: "flaky" },
  });
  await expect(mcp.client.callTool({ name: "nobody_advertised_this", arguments: {} })).rejects.toMatchObject({
    code: -32602,
    message: expect.stringContaining("Unknown tool"),
  });
  const ok = await mcp.client.callTool({ name: "steady_steady_echo", arguments: {} });
  expect(ok.content).toEqual([{ type: "text", text: "hello from steady" }]);

  await flaky.revive();
  await untilStatus(
    "flaky healthy again, circuit closed",
    (s) =>
      backend(s, "flaky")?.circuitState === "closed" &&
      backend(s, "flaky")?.health !== "unhealthy" &&
      s.phase === "Ready",
  );
  await until(async () => (await toolNames(mcp.client)).includes("flaky_flaky_echo"), "flaky's tool back");
  const back = await mcp.client.callTool({ name: "flaky_flaky_echo", arguments: {} });
  expect(back.content).toEqual([{ type: "text", text: "hello from flaky" }]);
}, 60_000);
