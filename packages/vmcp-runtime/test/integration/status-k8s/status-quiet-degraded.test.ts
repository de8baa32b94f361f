// A steady state costs zero API writes, healthy or not: with one backend down for good, the
// runtime keeps checking it (here every 200 ms, so 20+ checks take seconds instead of the minute a
// user would watch with `kubectl get vmcp -w`) and the VirtualMCPServer is not written once after
// it reached Degraded. Writes are counted as the API server reports them: watch events of the
// object, i.e. resourceVersion changes.

import { Informer } from "@vmcp/kube-kit/informer";
import { GROUP, KIND_INFO, VERSION } from "@vmcp/shared-types";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  backendOf,
  createReadyMCPServer,
  createVmcp,
  getCr,
  type RunningRuntime,
  runtimeServiceAccount,
  startRuntime,
  startTestBackend,
  type TestBackend,
  waitFor,
} from "./harness.ts";

const admin = testKubeConfig();
const CHECKS = 20;
let ns: TestNamespace;
let rt: RunningRuntime;
const backends: TestBackend[] = [];
let watch: Informer<{ metadata: { name: string; resourceVersion: string } }>;
const resourceVersions: string[] = [];

beforeAll(async () => {
  ns = await createNamespace(admin, "rt-quiet");
  for (const name of ["steady", "down"]) {
    const b = await startTestBackend(name);
    backends.push(b);
    await createReadyMCPServer(admin, ns.name, name, b.url);
  }
  const vmcp = await createVmcp(admin, ns.name, "quiet");
  const sa = await runtimeServiceAccount(admin, ns.name, vmcp, []);
  watch = new Informer({
    kc: admin,
    group: GROUP,
    version: VERSION,
    plural: KIND_INFO.VirtualMCPServer.plural,
    namespace: ns.name,
    fieldSelector: "metadata.name=quiet",
  });
  watch.onEvent((ev) => {
    if (ev.type === "update") resourceVersions.push(ev.obj.metadata.resourceVersion);
  });
  await watch.start();
  rt = await startRuntime(
    sa,
    { name: "quiet", namespace: ns.name },
    {
      healthCheckInterval: "200ms",
      healthCheckTimeout: "150ms",
    },
  );
}, 120_000);

afterAll(async () => {
  await rt?.stop();
  await watch?.stop();
  await Promise.all(backends.map((b) => b.kill()));
  await ns?.delete();
});

it(`writes status zero times over ${CHECKS} failed health checks once Degraded (short interval stands in for a minute)`, async () => {
  await waitFor("both backends ready", async () => {
    const o = await getCr(admin, ns.name, "virtualmcpservers", "quiet");
    return backendOf(o, "steady")?.status === "ready" && backendOf(o, "down")?.status === "ready";
  });
  await (backends[1] as TestBackend).kill();
  const degraded = await waitFor("Degraded with the backend unavailable", async () => {
    const o = await getCr(admin, ns.name, "virtualmcpservers", "quiet");
    // Its tool withdrawn too: the last change the transition makes.
    return o.status?.phase === "Degraded" &&
      backendOf(o, "down")?.status === "unavailable" &&
      o.status.capabilities?.toolCount === 1
      ? o
      : undefined;
  });
  const failuresAt = rt.k8s.monitor?.snapshot("down")?.record.consecutiveFailures ?? 0;
  await waitFor(`${CHECKS} more failed checks`, async () => {
    const n = rt.k8s.monitor?.snapshot("down")?.record.consecutiveFailures ?? 0;
    return n >= failuresAt + CHECKS;
  });
  const after = resourceVersions.filter((rv) => BigInt(rv) > BigInt(degraded.metadata.resourceVersion));
  console.log(`status writes during ${CHECKS} failed checks after Degraded: ${after.length}`);
  expect(after).toEqual([]);
  const last = await getCr(admin, ns.name, "virtualmcpservers", "quiet");
  expect(last.metadata.resourceVersion).toBe(degraded.metadata.resourceVersion);
  expect(backendOf(last, "down")?.message).not.toMatch(/failures/);
}, 90_000);
