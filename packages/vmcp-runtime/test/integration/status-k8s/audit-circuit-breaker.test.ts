// Circuit breakers end to end: with circuitBreaker.enabled, a backend that
// goes away (killed for real) gets its circuit opened after failureThreshold failed checks, shown
// in status.discoveredBackends, its tools withdrawn (a call to one fails fast naming the backend
// and the open circuit); once it is back a half-open probe closes it.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  backendOf,
  connectClient,
  createReadyMCPServer,
  createVmcp,
  getCr,
  type Obj,
  type RunningRuntime,
  runtimeServiceAccount,
  startRuntime,
  startTestBackend,
  type TestBackend,
  toolNames,
  waitFor,
} from "./harness.ts";

const admin = testKubeConfig();
let ns: TestNamespace;
let rt: RunningRuntime;
let mcp: { client: Client };
const backends: TestBackend[] = [];

const untilStatus = (what: string, pred: (o: Obj) => boolean) =>
  waitFor(what, async () => {
    const o = await getCr(admin, ns.name, "virtualmcpservers", "cb");
    return pred(o) ? o : undefined;
  });

beforeAll(async () => {
  ns = await createNamespace(admin, "rt-breaker");
  for (const name of ["steady", "flaky"]) {
    const b = await startTestBackend(name);
    backends.push(b);
    await createReadyMCPServer(admin, ns.name, name, b.url);
  }
  const vmcp = await createVmcp(admin, ns.name, "cb");
  const sa = await runtimeServiceAccount(admin, ns.name, vmcp, []);
  rt = await startRuntime(
    sa,
    { name: "cb", namespace: ns.name },
    { healthCheckInterval: "2s", circuitBreaker: { enabled: true, failureThreshold: 2, timeout: "2s" } },
  );
  mcp = await connectClient(rt.url);
}, 120_000);

afterAll(async () => {
  await mcp?.client.close().catch(() => {});
  await rt?.stop();
  await Promise.all(backends.map((b) => b.kill()));
  await ns?.delete();
});

it("opens the circuit of a dead backend, withdraws its tools, and closes it after it is back", async () => {
  await untilStatus("both ready, circuits closed", (o) =>
    ["steady", "flaky"].every(
      (n) => backendOf(o, n)?.status === "ready" && backendOf(o, n)?.circuitBreakerState === "closed",
    ),
  );
  const flaky = backends.find((b) => b.name === "flaky") as TestBackend;
  await flaky.kill();
  const open = await untilStatus(
    "flaky circuit open",
    (o) => backendOf(o, "flaky")?.circuitBreakerState === "open",
  );
  expect(backendOf(open, "flaky")).toMatchObject({
    status: "unavailable",
    circuitLastChanged: expect.any(String),
  });
  expect(backendOf(open, "flaky")?.message).toMatch(/^Circuit breaker (OPEN|testing recovery) - /);
  expect(backendOf(open, "steady")?.circuitBreakerState).toBe("closed");
  expect(open.status.phase).toBe("Degraded");
  await waitFor(
    "flaky's tool withdrawn",
    async () => !(await toolNames(mcp.client)).includes("flaky_flaky_echo"),
  );
  // A client that still calls it (it listed the tool before) is told at once that the backend is
  // unavailable and why, not that the tool is unknown; a name nobody advertised stays unknown; the
  // other backend keeps serving.
  await expect(mcp.client.callTool({ name: "flaky_flaky_echo", arguments: {} })).rejects.toMatchObject({
    code: -32603,
    message: expect.stringMatching(
      /backend 'flaky' is unavailable \(circuit (open\); retry after \S+Z|half-open)/,
    ),
    data: { backend: "flaky", reason: expect.stringMatching(/^circuit /) },
  });
  await expect(mcp.client.callTool({ name: "flaky_never_advertised", arguments: {} })).rejects.toMatchObject({
    code: -32602,
    message: expect.stringContaining("Unknown tool"),
  });
  const ok = await mcp.client.callTool({ name: "steady_steady_echo", arguments: {} });
  expect(ok.content).toEqual([{ type: "text", text: "hello from steady" }]);

  await flaky.revive();
  await untilStatus(
    "flaky closed and ready again",
    (o) =>
      backendOf(o, "flaky")?.circuitBreakerState === "closed" &&
      backendOf(o, "flaky")?.status === "ready" &&
      o.status.phase === "Ready",
  );
  await waitFor("flaky's tool back", async () => (await toolNames(mcp.client)).includes("flaky_flaky_echo"));
}, 90_000);
