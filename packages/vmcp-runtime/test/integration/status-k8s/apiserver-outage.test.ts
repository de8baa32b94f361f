// The API server goes away while the runtime runs (its own control plane, stopped and restarted
// for real): MCP keeps being served, and the status catches up once the API server is back.
import { type ControlPlane, createNamespace, startControlPlane, type TestNamespace } from "@vmcp/testenv";
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

let cp: ControlPlane;
let ns: TestNamespace;
let rt: RunningRuntime;
const backends: TestBackend[] = [];

beforeAll(async () => {
  cp = await startControlPlane();
  const admin = cp.kubeConfig();
  ns = await createNamespace(admin, "rt-outage");
  for (const name of ["one", "two"]) {
    const b = await startTestBackend(name);
    backends.push(b);
    await createReadyMCPServer(admin, ns.name, name, b.url);
  }
  const vmcp = await createVmcp(admin, ns.name, "gw");
  const sa = await runtimeServiceAccount(admin, ns.name, vmcp, []);
  rt = await startRuntime(sa, { name: "gw", namespace: ns.name });
}, 180_000);

afterAll(async () => {
  await rt?.stop();
  await Promise.all(backends.map((b) => b.kill()));
  await ns?.delete().catch(() => {});
  await cp?.stop();
});

it("keeps serving MCP through an API server outage and reports the latest state when it is back", async () => {
  const admin = cp.kubeConfig();
  const status = (pred: (o: Obj) => boolean, what: string) =>
    waitFor(what, async () => {
      const o = await getCr(admin, ns.name, "virtualmcpservers", "gw");
      return pred(o) ? o : undefined;
    });
  await status((o) => o.status?.phase === "Ready" && o.status.backendCount === 2, "Ready with 2 backends");
  const [one, two] = backends as [TestBackend, TestBackend];

  await cp.stopApiServer();
  try {
    await one.kill();
    // The gateway does not depend on the API server to serve.
    const { client } = await connectClient(rt.url);
    await waitFor("one withdrawn", async () => (await toolNames(client)).join() === "two_two_echo");
    const r = await client.callTool({ name: "two_two_echo", arguments: {} });
    expect(r.content).toEqual([{ type: "text", text: "hello from two" }]);
    await client.close();
  } finally {
    await cp.startApiServer();
  }
  const o = await status(
    (o) => backendOf(o, "one")?.status === "unavailable" && o.status.phase === "Degraded",
    "status caught up after the outage",
  );
  expect(o.status.backendCount).toBe(1);

  // None left -> Failed; back -> Ready.
  await two.kill();
  await status(
    (o) => o.status.phase === "Failed" && o.status.backendCount === 0,
    "Failed with none routable",
  );
  await one.revive();
  await two.revive();
  await status(
    (o) => o.status.phase === "Ready" && ["one", "two"].every((n) => backendOf(o, n)?.status === "ready"),
    "Ready after recovery",
  );
}, 120_000);
