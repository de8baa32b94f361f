import { spawn } from "node:child_process";
import { resolve } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { EventRecorder } from "@vmcp/kube-kit/events";
import { kubeRequest } from "@vmcp/kube-kit/http";
import { runLeaderElection } from "@vmcp/kube-kit/leader";
import { createLogger } from "@vmcp/kube-kit/logger";
import { API_VERSION } from "@vmcp/shared-types";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SUPPORTING_CONTROLLERS } from "../../src/controllers/index.ts";
import { type RunningOperator, startOperator } from "../../src/manager.ts";
import { create, eventually, get } from "./helpers.ts";

let kc: KubeConfig;
let ns: TestNamespace;
const running: RunningOperator[] = [];

beforeAll(async () => {
  kc = testKubeConfig();
  ns = await createNamespace(kc, "manager");
});
afterAll(async () => {
  await Promise.all(running.map((o) => o.stop()));
  await ns?.delete();
});

interface Lease {
  spec?: { holderIdentity?: string; renewTime?: string; leaseTransitions?: number };
}
const lease = (name: string) =>
  kubeRequest<Lease>(kc, {
    method: "GET",
    path: `/apis/coordination.k8s.io/v1/namespaces/${ns.name}/leases/${name}`,
  }).catch(() => undefined);

async function operator(identity: string, leaseName: string, metrics = false): Promise<RunningOperator> {
  const op = await startOperator({
    kc,
    identity,
    namespace: ns.name,
    controllers: SUPPORTING_CONTROLLERS,
    logger: createLogger({ level: "warn" }),
    metrics: metrics ? { host: "127.0.0.1", port: 0 } : undefined,
    leaderElection: {
      namespace: ns.name,
      name: leaseName,
      leaseDurationSeconds: 4,
      renewDeadlineMs: 3000,
      retryPeriodMs: 250,
    },
  });
  running.push(op);
  return op;
}

describe("operator manager", () => {
  it("runs controllers on one instance only; the standby takes over when the leader stops", async () => {
    const first = await operator("first", "le-test", true);
    await eventually(() => first.isLeader(), "first leads");
    const second = await operator("second", "le-test");

    // While the leader keeps renewing, the standby does not take over.
    const seen = new Set<string>();
    await eventually(async () => {
      const l = await lease("le-test");
      if (l?.spec?.renewTime) seen.add(l.spec.renewTime);
      return seen.size >= 3;
    }, "the leader renewing while the standby campaigns");
    expect(second.isLeader()).toBe(false);
    expect((await lease("le-test"))?.spec?.holderIdentity).toBe("first");

    // Health and metrics of the leader.
    const url = first.metricsUrl as string;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain("vmcp_operator_leader_election_is_leader 1");
    expect(text).toContain("vmcp_operator_workqueue_depth");

    await first.stop();
    // Released on stop: the holder is empty, or already the standby, which polls every 250 ms.
    expect(["", "second"]).toContain((await lease("le-test"))?.spec?.holderIdentity ?? "");
    await eventually(() => second.isLeader(), "the standby takes over", 5000);
    expect((await lease("le-test"))?.spec?.holderIdentity).toBe("second");

    // The new leader reconciles.
    await create(kc, {
      apiVersion: API_VERSION,
      kind: "MCPGroup",
      metadata: { name: "after-failover", namespace: ns.name },
      spec: {},
    });
    await eventually(
      async () =>
        (await get(kc, API_VERSION, "MCPGroup", ns.name, "after-failover"))?.status?.phase === "Ready",
      "reconciled by the new leader",
    );
  });

  it("takes over a Lease whose holder vanished without releasing it, once it expires", async () => {
    const now = new Date().toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
    await kubeRequest(kc, {
      method: "POST",
      path: `/apis/coordination.k8s.io/v1/namespaces/${ns.name}/leases`,
      body: {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: "ghost-lease" },
        spec: {
          holderIdentity: "ghost",
          leaseDurationSeconds: 2,
          renewTime: now,
          acquireTime: now,
          leaseTransitions: 0,
        },
      },
    });
    let startedAt = 0;
    const started = Date.now();
    const election = runLeaderElection({
      kc,
      namespace: ns.name,
      name: "ghost-lease",
      identity: "heir",
      leaseDurationSeconds: 4,
      renewDeadlineMs: 3000,
      retryPeriodMs: 200,
      onStartedLeading: () => {
        startedAt = Date.now();
      },
      onStoppedLeading: () => {},
    });
    try {
      await eventually(() => election.isLeader(), "the heir acquires the expired lease", 10_000);
      // It waited out the ghost's lease (2 s as observed locally) instead of grabbing it.
      expect(startedAt - started).toBeGreaterThanOrEqual(2000);
      const l = await lease("ghost-lease");
      expect(l?.spec).toMatchObject({ holderIdentity: "heir", leaseTransitions: 1 });
    } finally {
      await election.stop();
    }
  });

  it("records a repeated event once, as a series with its count", async () => {
    const rec = new EventRecorder({ kc, reportingInstance: "test", seriesFlushMs: 60_000 });
    const regarding = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "noisy", namespace: ns.name, uid: "u-1" },
    };
    for (let i = 0; i < 5; i++) rec.record(regarding, "Warning", "HotLoop", "same thing again");
    await rec.flush();
    const list = await kubeRequest<{
      items: { reason: string; series?: { count: number }; regarding: { name: string } }[];
    }>(kc, {
      method: "GET",
      path: `/apis/events.k8s.io/v1/namespaces/${ns.name}/events`,
    });
    const mine = list.items.filter((e) => e.regarding.name === "noisy");
    expect(mine).toHaveLength(1);
    expect(mine[0]?.reason).toBe("HotLoop");
    expect(mine[0]?.series?.count).toBe(5);
  });

  it("vmcp-operator releases its Lease and exits 0 on SIGTERM", async () => {
    const main = resolve(import.meta.dirname, "../../src/main.ts");
    const child = spawn(
      process.execPath,
      [
        main,
        `--kubeconfig=${inject("kubeconfigPath")}`,
        `--namespace=${ns.name}`,
        "--leader-elect",
        `--leader-election-namespace=${ns.name}`,
        "--leader-election-id=proc-lease",
        "--metrics-addr=127.0.0.1",
        "--metrics-port=0",
        "--log-level=warn",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      await eventually(
        async () => (await lease("proc-lease"))?.spec?.holderIdentity?.endsWith(`-${child.pid}`),
        "process holds the lease",
        30_000,
      );
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect((await lease("proc-lease"))?.spec?.holderIdentity ?? "").toBe("");
    } catch (err) {
      throw new Error(`${String(err)}\nstderr: ${stderr}`);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
