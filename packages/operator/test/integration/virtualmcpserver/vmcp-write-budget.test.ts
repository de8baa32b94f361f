// What the operator writes for the common events at scale, counted on the real apiserver: a new
// VirtualMCPServer's Events, a burst of members joining one MCPGroup, and one MCPExternalAuthConfig
// change shared by several servers.

import { kubeRequest } from "@vmcp/kube-kit/http";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningOperator } from "../../../src/manager.ts";
import {
  create,
  get,
  mergePatch,
  mustGet,
  podChecksum,
  quiesce,
  R,
  reconcileCount,
  startTestOperator,
  vmcpBody,
  waitFor,
  writeCount,
} from "./vmcp-helpers.ts";

const kc = testKubeConfig();
let ns: TestNamespace;
let op: RunningOperator;
const n = () => ns.name;

beforeAll(async () => {
  ns = await createNamespace(kc, "vmcp-writes");
  op = await startTestOperator(kc, ns.name);
});

afterAll(async () => {
  await op?.stop();
  await ns?.delete();
});

interface EventView {
  reason: string;
  type: string;
  note: string;
  regarding: { kind: string; name: string };
}

async function eventsAbout(kind: string, name: string): Promise<EventView[]> {
  const list = await kubeRequest<{ items: EventView[] }>(kc, {
    method: "GET",
    path: `/apis/events.k8s.io/v1/namespaces/${n()}/events`,
  });
  return list.items.filter((e) => e.regarding.kind === kind && e.regarding.name === name);
}

/** Writes by kind since `before` (a snapshot of the same counter). */
async function writesByKind(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await op.metrics.apiserverWrites.get()).values) {
    const k = String(v.labels.kind);
    out[k] = (out[k] ?? 0) + v.value;
  }
  return out;
}
const diff = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v !== 0),
  );

/** No reconcile of `controller` for `quietMs` (longer than the group's settle window). */
async function quiet(controller: string, quietMs = 1500): Promise<void> {
  let last = -1;
  let since = Date.now();
  await waitFor(`${controller} quiet`, async () => {
    const count = await reconcileCount(op, controller);
    if (count !== last) {
      last = count;
      since = Date.now();
    }
    return Date.now() - since >= quietMs;
  });
}

const groupReady = (name: string) =>
  waitFor(`group ${name} Ready`, async () => (await get(kc, R.group, n(), name))?.status?.phase === "Ready");

describe("operator writes at scale", () => {
  it("a new VirtualMCPServer costs one write per child and one status write, and no Event", async () => {
    await create(kc, R.group, n(), { metadata: { name: "tools" }, spec: {} });
    await create(kc, R.entry, n(), {
      metadata: { name: "docs" },
      spec: {
        groupRef: { name: "tools" },
        remoteUrl: "https://docs.example.com/mcp",
        transport: "streamable-http",
      },
    });
    await waitFor(
      "group lists the entry",
      async () => (await get(kc, R.group, n(), "tools"))?.status?.entryCount === 1,
    );
    await waitFor(
      "entry Valid",
      async () => (await get(kc, R.entry, n(), "docs"))?.status?.phase === "Valid",
    );
    await quiet("mcpgroup");
    const w0 = await writesByKind();
    await create(kc, R.vmcp, n(), vmcpBody("demo"));
    await waitFor("demo Deployment and url", async () =>
      (await get(kc, R.vmcp, n(), "demo"))?.status?.url && (await get(kc, R.deployment, n(), "demo"))
        ? true
        : undefined,
    );
    await quiesce(op, 1000);
    // What a user sees of a successful create is the children and the status: an Event per create
    // (13 writes per server at scale, one of them the Event) tells nothing to act on.
    expect(diff(await writesByKind(), w0)).toEqual({
      ServiceAccount: 1,
      Role: 1,
      RoleBinding: 1,
      Lease: 1,
      ConfigMap: 1,
      Secret: 1,
      Service: 1,
      PodDisruptionBudget: 1,
      Deployment: 1,
      VirtualMCPServer: 1,
    });
    expect(await eventsAbout("VirtualMCPServer", "demo")).toEqual([]);
    const vmcp = await mustGet(kc, R.vmcp, n(), "demo");
    expect(vmcp.status.observedGeneration).toBe(vmcp.metadata.generation);
  });

  it("entries created right after their group are judged once, never GroupRefNotFound first", async () => {
    const before = await writeCount(op, ["MCPServerEntry"]);
    // Like a chart or the scale bench: each group, then its entry at once, 8 pairs at a time. The
    // entry's event can reach the operator before its group's (two watches), and judging the entry
    // then costs a Failed status, a Warning Event and a second status write.
    const pairs = 40;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < pairs; i = next++) {
        await create(kc, R.group, n(), { metadata: { name: `pair${i}` }, spec: {} });
        await create(kc, R.entry, n(), {
          metadata: { name: `pair${i}-entry` },
          spec: {
            groupRef: { name: `pair${i}` },
            remoteUrl: `https://pair${i}.example.com/mcp`,
            transport: "streamable-http",
          },
        });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    for (let i = 0; i < pairs; i++) {
      await waitFor(
        `pair${i}-entry Valid`,
        async () => (await get(kc, R.entry, n(), `pair${i}-entry`))?.status?.phase === "Valid",
      );
    }
    await quiet("mcpserverentry");
    const failed = [];
    for (let i = 0; i < pairs; i++) failed.push(...(await eventsAbout("MCPServerEntry", `pair${i}-entry`)));
    expect(failed.map((e) => e.reason)).toEqual([]);
    expect((await writeCount(op, ["MCPServerEntry"])) - before).toBe(pairs);
  });

  it("writes an MCPGroup's status a few times, not once per entry, for 50 entries joining it", async () => {
    await create(kc, R.group, n(), { metadata: { name: "burst" }, spec: {} });
    await groupReady("burst");
    await quiet("mcpgroup");
    const before = await writeCount(op, ["MCPGroup"]);
    // One after another, like `kubectl apply -f` of a file with 50 entries: one status write per
    // entry before the settle window (39 measured).
    for (let i = 0; i < 50; i++) {
      await create(kc, R.entry, n(), {
        metadata: { name: `e${i}` },
        spec: {
          groupRef: { name: "burst" },
          remoteUrl: `https://e${i}.example.com/mcp`,
          transport: "streamable-http",
        },
      });
    }
    await waitFor(
      "50 entries in the group's status",
      async () => (await get(kc, R.group, n(), "burst"))?.status?.entryCount === 50,
    );
    await quiet("mcpgroup");
    const writes = (await writeCount(op, ["MCPGroup"])) - before;
    // Once settled, or every 2 s while the creates go on (a loaded apiserver takes longer for 50).
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(5);
  });

  it("a change to one MCPExternalAuthConfig shared by 3 servers costs 2N+1 writes and no per-server Event", async () => {
    await create(kc, R.secret, n(), {
      metadata: { name: "shared-secret" },
      data: { v: Buffer.from("s3cret").toString("base64") },
    });
    await create(kc, R.auth, n(), {
      metadata: { name: "shared-key" },
      spec: {
        type: "headerInjection",
        headerInjection: { headerName: "X-API-Key", valueSecretRef: { name: "shared-secret", key: "v" } },
      },
    });
    await create(kc, R.group, n(), { metadata: { name: "shared" }, spec: {} });
    await create(kc, R.entry, n(), {
      metadata: { name: "ext" },
      spec: {
        groupRef: { name: "shared" },
        remoteUrl: "https://ext.example.com/mcp",
        transport: "streamable-http",
        externalAuthConfigRef: { name: "shared-key" },
      },
    });
    const servers = ["a", "b", "c"];
    for (const s of servers) {
      await create(
        kc,
        R.vmcp,
        n(),
        vmcpBody(s, { groupRef: { name: "shared" }, outgoingAuth: { source: "inline" } }),
      );
    }
    const before: Record<string, string | undefined> = {};
    for (const s of servers) {
      before[s] = await waitFor(`${s} rolled out with the entry`, async () => {
        const v = await get(kc, R.vmcp, n(), s);
        const d = await get(kc, R.deployment, n(), s);
        return v?.status?.observedGeneration === v?.metadata.generation && v?.status?.url
          ? podChecksum(d)
          : undefined;
      });
    }
    await quiesce(op, 1000);
    await quiet("mcpexternalauthconfig");
    const w0 = await writesByKind();

    await mergePatch(kc, R.auth, n(), "shared-key", {
      spec: { headerInjection: { headerName: "X-Other-Key" } },
    });
    for (const s of servers) {
      await waitFor(`${s} rolled`, async () => {
        const c = podChecksum(await get(kc, R.deployment, n(), s));
        return c && c !== before[s] ? c : undefined;
      });
    }
    await quiesce(op, 1000);
    await quiet("mcpexternalauthconfig");
    expect(diff(await writesByKind(), w0)).toEqual({
      ConfigMap: 3,
      Deployment: 3,
      MCPExternalAuthConfig: 1,
    });
    for (const s of servers) {
      const reasons = (await eventsAbout("VirtualMCPServer", s)).map((e) => e.reason);
      expect(reasons).not.toContain("DeploymentUpdated");
    }
    const cfg = await mustGet(kc, R.auth, n(), "shared-key");
    expect(cfg.status.observedGeneration).toBe(cfg.metadata.generation);
  });

  it("still tells a rollout caused by the VirtualMCPServer's own spec change", async () => {
    const beforeSum = podChecksum(await mustGet(kc, R.deployment, n(), "a"));
    await mergePatch(kc, R.vmcp, n(), "a", {
      spec: { config: { aggregation: { conflictResolutionConfig: { prefixFormat: "{workload}-" } } } },
    });
    await waitFor("a rolled", async () => {
      const c = podChecksum(await get(kc, R.deployment, n(), "a"));
      return c && c !== beforeSum ? c : undefined;
    });
    await waitFor("DeploymentUpdated on a", async () =>
      (await eventsAbout("VirtualMCPServer", "a")).some((e) => e.reason === "DeploymentUpdated"),
    );
  });
});
