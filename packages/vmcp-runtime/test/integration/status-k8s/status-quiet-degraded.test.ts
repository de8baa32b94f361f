// A steady state costs zero API writes, healthy or not: with one backend down for good, the
// runtime keeps checking it (here every 500 ms, so 20+ checks take seconds instead of the minute a
// user would watch with `kubectl get vmcp -w`) and the VirtualMCPServer is not written once after
// it reached Degraded. Writes are counted as the API server reports them: watch events of the
// object, i.e. resourceVersion changes.
//
// On a loaded machine the healthy backend's own check can miss its timeout; that is a real change
// (its message, then "Recovering") which the status must show. Such a window proves nothing about
// the quiet state, so the count is taken over a window in which the healthy backend's record did
// not change, starting a new window after a disturbance (bounded, and each one printed).

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
      healthCheckInterval: "500ms",
      healthCheckTimeout: "450ms",
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
  const monitor = rt.k8s.monitor;
  if (!monitor) throw new Error("the runtime has no health monitor");
  const record = (name: string) => {
    const r = monitor.snapshot(name)?.record;
    if (!r) throw new Error(`no health record for ${name}`);
    return r;
  };
  let since = degraded.metadata.resourceVersion;
  for (let window = 1; ; window++) {
    const steadyAt = record("steady");
    const failuresAt = record("down").consecutiveFailures;
    let disturbed = false;
    await waitFor(
      `${CHECKS} more failed checks of 'down'`,
      async () => {
        const s = record("steady");
        if (s.lastTransition !== steadyAt.lastTransition || s.consecutiveFailures > 0) disturbed = true;
        return record("down").consecutiveFailures >= failuresAt + CHECKS;
      },
      60_000,
    );
    const writes = resourceVersions.filter((rv) => BigInt(rv) > BigInt(since));
    if (!disturbed) {
      console.log(`status writes during ${CHECKS} failed checks after Degraded: ${writes.length}`);
      expect(writes).toEqual([]);
      const last = await getCr(admin, ns.name, "virtualmcpservers", "quiet");
      expect(last.metadata.resourceVersion).toBe(since);
      expect(backendOf(last, "down")?.message).not.toMatch(/failures/);
      return;
    }
    console.log(`window ${window}: the healthy backend's check failed under load; starting over`);
    if (window >= 8) throw new Error("the healthy backend's checks failed in 8 windows in a row");
    // Let it settle back to healthy and the status catch up with it (the same message as its
    // record), then count from there.
    const settled = await waitFor("the healthy backend healthy again, in the status too", async () => {
      const s = record("steady");
      if (s.health !== "healthy" || s.consecutiveFailures > 0) return undefined;
      const o = await getCr(admin, ns.name, "virtualmcpservers", "quiet");
      const shown = backendOf(o, "steady");
      return o.status?.phase === "Degraded" && shown?.status === "ready" && shown.message === s.message
        ? o
        : undefined;
    });
    since = settled.metadata.resourceVersion;
  }
}, 300_000);
