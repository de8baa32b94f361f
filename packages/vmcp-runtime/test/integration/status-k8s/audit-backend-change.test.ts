// Dynamic-mode backends "appear, change and disappear live" (docs/runtime.md). Appearing and disappearing
// are covered in discovery-status.test.ts; this one changes a member in place (its status.url now
// points at another server) and expects status, tools/list and routing to follow without a restart.
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
  patchStatus,
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
let mcp: { client: Client; listChanged: () => number };
let first: TestBackend;
let second: TestBackend;

beforeAll(async () => {
  ns = await createNamespace(admin, "rt-change");
  first = await startTestBackend("first");
  second = await startTestBackend("second");
  await createReadyMCPServer(admin, ns.name, "mover", first.url);
  const vmcp = await createVmcp(admin, ns.name, "chg");
  rt = await startRuntime(await runtimeServiceAccount(admin, ns.name, vmcp, []), {
    name: "chg",
    namespace: ns.name,
  });
  mcp = await connectClient(rt.url);
}, 120_000);

afterAll(async () => {
  await mcp?.client.close().catch(() => {});
  await rt?.stop();
  await Promise.all([first?.kill(), second?.kill()]);
  await ns?.delete();
});

it("a member whose URL changes is re-read, re-listed and routed to the new server", async () => {
  await waitFor("mover ready at the first URL", async () => {
    const b = backendOf(await getCr(admin, ns.name, "virtualmcpservers", "chg"), "mover");
    return b?.status === "ready" && b.url === first.url;
  });
  expect(await toolNames(mcp.client)).toEqual(["mover_first_echo"]);
  const before = mcp.listChanged();

  await patchStatus(admin, ns.name, "mcpservers", "mover", { phase: "Ready", url: second.url });
  await waitFor("mover ready at the second URL", async () => {
    const b = backendOf(await getCr(admin, ns.name, "virtualmcpservers", "chg"), "mover");
    return b?.status === "ready" && b.url === second.url;
  });
  await waitFor(
    "tools/list follows",
    async () => (await toolNames(mcp.client)).join() === "mover_second_echo",
  );
  await waitFor("list_changed sent", async () => mcp.listChanged() > before);
  const r = await mcp.client.callTool({ name: "mover_second_echo", arguments: {} });
  expect(r.content).toEqual([{ type: "text", text: "hello from second" }]);
});
