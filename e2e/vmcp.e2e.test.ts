// End to end: operator and runtime as a user runs them (the runtime authenticated with the token of
// the ServiceAccount the operator created, the operator with the chart's RBAC), real MCP servers,
// assertions on what a user sees in the VirtualMCPServer and through the gateway.
// Local control plane by default; E2E_USE_EXISTING_CLUSTER=1 targets the cluster in KUBECONFIG.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { API_VERSION } from "@vmcp/shared-types";
import { createNamespace, installCrds, readCrds, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CRD_DIR } from "./harness/chart.ts";
import { apply, get, remove, waitFor } from "./harness/kube.ts";
import { notesEntry, VMCP_NAME } from "./harness/samples.ts";
import { type Scenario, startScenario, type VmcpView } from "./harness/scenario.ts";

const existingCluster = process.env.E2E_USE_EXISTING_CLUSTER === "1";

async function adminKubeConfig(): Promise<KubeConfig> {
  if (!existingCluster) return testKubeConfig();
  const kc = new KubeConfig();
  kc.loadFromDefault();
  await installCrds(kc, readCrds(CRD_DIR));
  return kc;
}

const backend = (v: VmcpView, name: string) => v.discoveredBackends.find((b) => b.name === name);
const toolText = (r: unknown) =>
  ((r as { content?: { type: string; text?: string }[] }).content ?? []).map((c) => c.text ?? "").join("");

let ns: TestNamespace;
let s: Scenario;
let workDir: string;
let client: Client;
let toolListChanges = 0;

beforeAll(async () => {
  const admin = await adminKubeConfig();
  ns = await createNamespace(admin, "e2e");
  workDir = mkdtempSync(join(tmpdir(), "vmcp-e2e-"));
  s = await startScenario({
    admin,
    namespace: ns.name,
    // Namespace scope: other suites share this API server and run their own operators.
    operatorScope: { kind: "namespace", namespace: ns.name },
    workDir,
    operatorLog: join(workDir, "operator.log"),
    markAvailable: !existingCluster,
  });
  client = await s.client();
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    toolListChanges++;
  });
});

afterAll(async () => {
  await client?.close();
  await s?.stop();
  await ns?.delete();
  // E2E_KEEP_WORKDIR=1 keeps the runtime/operator logs, config.yaml and kubeconfig for a look.
  if (workDir && process.env.E2E_KEEP_WORKDIR !== "1") rmSync(workDir, { recursive: true, force: true });
  else if (workDir) console.log(`e2e work directory kept: ${workDir}`);
});

describe("VirtualMCPServer end to end", () => {
  it("the runtime reports its discovered backends, backendCount and phase Ready", async () => {
    const v = await s.waitForVmcp(
      "phase Ready with weather and calendar ready",
      (v) =>
        v.phase === "Ready" &&
        v.backendCount === 2 &&
        v.discoveredBackends.every((b) => b.status === "ready"),
    );
    expect(v.discoveredBackends.map((b) => [b.name, b.url]).sort()).toEqual([
      ["calendar", s.backends.calendar.url],
      ["weather", s.backends.weather.url],
    ]);
    expect(v.conditions.find((c) => c.type === "Ready")?.status).toBe("True");
    // Infrastructure status from the operator sits next to the runtime's.
    expect(v.url).toBe(`http://vmcp-${VMCP_NAME}.${ns.name}.svc.cluster.local:4483`);
    expect(v.conditions.find((c) => c.type === "GroupRefValidated")?.status).toBe("True");
  });

  it("serves the group's aggregated tools and routes calls, the TLS backend included", async () => {
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(["calendar_echo", "calendar_next_event", "weather_echo", "weather_forecast"]);
    expect(toolText(await client.callTool({ name: "calendar_next_event", arguments: {} }))).toBe(
      "Stand-up at 09:30",
    );
    expect(toolText(await client.callTool({ name: "weather_forecast", arguments: { city: "Lisbon" } }))).toBe(
      "Tomorrow in Lisbon: sunny, 21 °C",
    );
  });

  it("a killed backend turns the phase Degraded, and Ready again once it is back", async () => {
    await s.backends.weather.stop();
    const degraded = await s.waitForVmcp(
      "phase Degraded with weather unavailable",
      (v) => v.phase === "Degraded" && backend(v, "weather")?.status === "unavailable",
    );
    expect(backend(degraded, "calendar")?.status).toBe("ready");
    // The healthy backend keeps serving meanwhile.
    expect(
      toolText(await client.callTool({ name: "calendar_echo", arguments: { text: "still here" } })),
    ).toBe("calendar: still here");

    await s.backends.weather.start();
    await s.waitForVmcp(
      "phase Ready with weather ready again",
      (v) => v.phase === "Ready" && backend(v, "weather")?.status === "ready",
    );
    expect(toolText(await client.callTool({ name: "weather_echo", arguments: { text: "back" } }))).toBe(
      "weather: back",
    );
  });

  it("a new group member shows up in status and tools/list without a restart", async () => {
    const pid = s.runtime.pid;
    const changesBefore = toolListChanges;
    await apply(s.admin, notesEntry(ns.name, s.backends));
    const v = await s.waitForVmcp(
      "backendCount 3 with notes ready",
      (v) => v.backendCount === 3 && backend(v, "notes")?.status === "ready" && v.phase === "Ready",
    );
    expect(backend(v, "notes")?.url).toBe(s.backends.notes.url);
    await waitFor("tools/list_changed on the open session", () => toolListChanges > changesBefore);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain("notes_add_note");
    expect(toolText(await client.callTool({ name: "notes_add_note", arguments: { text: "buy milk" } }))).toBe(
      "noted: buy milk",
    );
    // Same process: discovery picked the member up from its watch.
    expect(s.runtime.pid).toBe(pid);
    expect(() => process.kill(pid ?? -1, 0)).not.toThrow();
  });

  it("neither the operator (chart RBAC) nor the runtime (operator-built Role) is refused anything", () => {
    // Both log API errors; a 403 anywhere means a missing rule in the chart or the operator's Role.
    for (const file of ["operator.log", "runtime.log"]) {
      const forbidden = readFileSync(join(workDir, file), "utf8")
        .split("\n")
        .filter((l) => /forbidden|\b403\b/i.test(l));
      expect(forbidden, file).toEqual([]);
    }
    // And the logs are not empty, so the check above looked at something.
    expect(readFileSync(join(workDir, "operator.log"), "utf8")).toMatch(/caches synced/);
  });

  it("a deleted VirtualMCPServer leaves only objects its owner references hand to garbage collection", async () => {
    const vmcp = await s.vmcp();
    const uid = vmcp.raw.metadata.uid;
    const owned = [
      ["apps/v1", "Deployment", VMCP_NAME],
      ["v1", "Service", `vmcp-${VMCP_NAME}`],
      ["v1", "ConfigMap", `${VMCP_NAME}-vmcp-config`],
      ["v1", "ServiceAccount", `${VMCP_NAME}-vmcp`],
      ["rbac.authorization.k8s.io/v1", "Role", `${VMCP_NAME}-vmcp`],
      ["rbac.authorization.k8s.io/v1", "RoleBinding", `${VMCP_NAME}-vmcp`],
    ] as const;
    for (const [apiVersion, kind, name] of owned) {
      const o = await get(s.admin, apiVersion, kind, ns.name, name);
      expect(o, `${kind} ${name}`).toBeDefined();
      expect(o?.metadata.ownerReferences, `${kind} ${name}`).toEqual([
        {
          apiVersion: API_VERSION,
          kind: "VirtualMCPServer",
          name: VMCP_NAME,
          uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    await remove(s.admin, vmcp.raw);
    await waitFor(
      "the VirtualMCPServer to be gone (no finalizer holds it)",
      async () => (await get(s.admin, API_VERSION, "VirtualMCPServer", ns.name, VMCP_NAME)) === undefined,
    );
    if (existingCluster) {
      // A real cluster runs the garbage collector: the owned objects go away.
      for (const [apiVersion, kind, name] of owned) {
        await waitFor(
          `${kind} ${name} to be collected`,
          async () => (await get(s.admin, apiVersion, kind, ns.name, name)) === undefined,
          60_000,
        );
      }
    } else {
      // No kube-controller-manager here: every owned object still names an owner uid that no longer
      // exists, which is exactly what the garbage collector deletes on.
      for (const [apiVersion, kind, name] of owned) {
        const o = await get(s.admin, apiVersion, kind, ns.name, name);
        expect(o?.metadata.ownerReferences?.[0]?.uid).toBe(uid);
      }
    }
  });
});
