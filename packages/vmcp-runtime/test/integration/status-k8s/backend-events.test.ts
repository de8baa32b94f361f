// Backend transitions as Kubernetes Events on the VirtualMCPServer, recorded with the runtime's own
// ServiceAccount token (so the Role the operator builds must allow it): a backend killed for real
// gives BackendUnavailable (Warning), back again BackendRecovered (Normal); a backend that flaps
// three times leaves one Event object per reason whose series counts the repeats.

import { kubeRequest } from "@vmcp/kube-kit/http";
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
let ns: TestNamespace;
let rt: RunningRuntime;
let flaky: TestBackend;

interface Ev {
  type: string;
  reason: string;
  note: string;
  reportingController: string;
  regarding: { kind: string; name: string };
  series?: { count: number };
}

const events = async (): Promise<Ev[]> =>
  (
    await kubeRequest<{ items: Ev[] }>(admin, {
      method: "GET",
      path: `/apis/events.k8s.io/v1/namespaces/${ns.name}/events`,
    })
  ).items.filter((e) => e.regarding.kind === "VirtualMCPServer" && e.regarding.name === "ev");

const flakyIs = (status: string) =>
  waitFor(`flaky ${status}`, async () => {
    const o = await getCr(admin, ns.name, "virtualmcpservers", "ev");
    return backendOf(o, "flaky")?.status === status;
  });

beforeAll(async () => {
  ns = await createNamespace(admin, "rt-events");
  flaky = await startTestBackend("flaky");
  await createReadyMCPServer(admin, ns.name, "flaky", flaky.url);
  const vmcp = await createVmcp(admin, ns.name, "ev");
  const sa = await runtimeServiceAccount(admin, ns.name, vmcp, []);
  rt = await startRuntime(
    sa,
    { name: "ev", namespace: ns.name },
    { healthCheckInterval: "300ms", healthCheckTimeout: "250ms", eventSeriesFlushMs: 200 },
  );
}, 120_000);

afterAll(async () => {
  await rt?.stop();
  await flaky?.kill();
  await ns?.delete();
});

it("tells the story of a flapping backend in two Event series, not one object per transition", async () => {
  await flakyIs("ready");
  for (let i = 0; i < 3; i++) {
    await flaky.kill();
    await flakyIs("unavailable");
    await flaky.revive();
    await flakyIs("ready");
  }
  const story = await waitFor("both series at 3", async () => {
    const evs = await events();
    const count = (e: Ev) => e.series?.count ?? 1;
    return evs.length === 2 && evs.every((e) => count(e) === 3) ? evs : undefined;
  });
  const byReason = Object.fromEntries(story.map((e) => [e.reason, e]));
  expect(byReason.BackendUnavailable).toMatchObject({
    type: "Warning",
    reportingController: "vmcp-runtime",
    note: expect.stringMatching(/^Backend 'flaky' unavailable: Connection refused: /),
  });
  expect(byReason.BackendRecovered).toMatchObject({
    type: "Normal",
    reportingController: "vmcp-runtime",
    note: "Backend 'flaky' recovered",
  });
}, 120_000);
