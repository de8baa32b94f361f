// The resolved-address policy of MCPServerEntry backends, with the runtime's own token and no
// loopback allowance (what a cluster runs): an entry whose URL names `localhost` (resolved by the
// system resolver at connect time) or 127.0.0.1 is Valid at admission here, yet the runtime
// refuses to dial it, never reaches the backend, and says why in status.discoveredBackends. The
// MCPServer on 127.0.0.1 (a Service URL the operator sets, not the user's choice) is served.
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  backendOf,
  createCr,
  createReadyMCPServer,
  createVmcp,
  GROUP_NAME,
  getCr,
  type Obj,
  patchStatus,
  type RunningRuntime,
  runtimeServiceAccount,
  startRuntime,
  startTestBackend,
  type TestBackend,
  waitFor,
} from "./harness.ts";

const admin = testKubeConfig();
let ns: TestNamespace;
let rt: RunningRuntime;
let target: TestBackend;
let remote: TestBackend;

const untilStatus = (what: string, pred: (o: Obj) => boolean) =>
  waitFor(what, async () => {
    const o = await getCr(admin, ns.name, "virtualmcpservers", "policy");
    return pred(o) ? o : undefined;
  });

async function validEntry(name: string, remoteUrl: string): Promise<void> {
  await createCr(admin, ns.name, "mcpserverentries", name, {
    remoteUrl,
    transport: "streamable-http",
    groupRef: { name: GROUP_NAME },
  });
  await patchStatus(admin, ns.name, "mcpserverentries", name, { phase: "Valid" });
}

beforeAll(async () => {
  ns = await createNamespace(admin, "rt-addr");
  target = await startTestBackend("target");
  remote = await startTestBackend("remote");
  await createReadyMCPServer(admin, ns.name, "server", target.url);
  const vmcp = await createVmcp(admin, ns.name, "policy");
  const sa = await runtimeServiceAccount(admin, ns.name, vmcp, []);
  rt = await startRuntime(sa, { name: "policy", namespace: ns.name }, { allowLoopbackBackends: false });
}, 120_000);

afterAll(async () => {
  await rt?.stop();
  await target?.kill();
  await remote?.kill();
  await ns?.delete();
});

it("refuses at connect time an entry that resolves to loopback without the allowance, and says why", async () => {
  await untilStatus("the MCPServer is served", (o) => backendOf(o, "server")?.status === "ready");
  const url = new URL(remote.url);
  await validEntry("by-name", `http://localhost:${url.port}/mcp`);
  await validEntry("by-ip", remote.url);
  const o = await untilStatus(
    "both entries refused",
    (o) =>
      backendOf(o, "by-name")?.status === "unavailable" && backendOf(o, "by-ip")?.status === "unavailable",
  );
  expect(backendOf(o, "by-name")?.message).toMatch(
    /connection to localhost refused by policy: (127\.0\.0\.1|::1) is a loopback address/,
  );
  expect(backendOf(o, "by-ip")?.message).toMatch(
    /connection to 127\.0\.0\.1 refused by policy: 127\.0\.0\.1 is a loopback address/,
  );
  expect(backendOf(o, "server")?.status).toBe("ready");
  expect(remote.hits).toBe(0);
});
