// End to end on a real node: the chart installs the operator as a pod from the project's image, the
// operator's Deployment runs the runtime image with its projected ServiceAccount token, the sample
// backends are pods behind Services (one over TLS), and an MCP client on the host reaches the
// gateway through its ClusterIP (kube-proxy). Everything the process-mode e2e can only simulate
// (kubelet, probes, restricted security context, DNS, rollouts, garbage collection) happens for real.
import { CoordinationV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { kubeRequest } from "@vmcp/operator/kit/http";
import { API_VERSION } from "@vmcp/shared-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster } from "../../packages/testenv/src/cluster.ts";
import { type BuiltImage, buildProjectImages, type ImageName } from "../../packages/testenv/src/images.ts";
import { nodeSkipReason } from "../../packages/testenv/src/node-skip.ts";
import { RELEASE_NAMESPACE } from "../harness/chart.ts";
import { ensureHelm } from "../harness/helm.ts";
import { apply, get, remove, waitFor } from "../harness/kube.ts";
import { VMCP_NAME } from "../harness/samples.ts";
import { connectClient, readVmcp, type VmcpView } from "../harness/scenario.ts";
import {
  applyInClusterSamples,
  BACKEND_PORT,
  backendHost,
  helmInstall,
  restrictedNamespace,
} from "./in-cluster.ts";

const skip = nodeSkipReason();
const NS = "e2e-node";
const log = (l: string) => process.stderr.write(`[e2e-node] ${l}\n`);
const backend = (v: VmcpView, name: string) => v.discoveredBackends.find((b) => b.name === name);
const toolText = (r: unknown) =>
  ((r as { content?: { type: string; text?: string }[] }).content ?? []).map((c) => c.text ?? "").join("");

let cluster: Cluster;
let kc: KubeConfig;
let images: Record<ImageName, BuiltImage>;
let client: Client | undefined;
const timings: Record<string, number> = {};

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await fn();
  } finally {
    timings[name] = Number(((performance.now() - t) / 1000).toFixed(1));
    log(`${name}: ${timings[name]}s`);
  }
}

const vmcp = async () => {
  const v = await readVmcp(kc, NS);
  if (!v) throw new Error(`VirtualMCPServer ${NS}/${VMCP_NAME} not found`);
  return v;
};
async function waitForVmcp(what: string, check: (v: VmcpView) => boolean, timeoutMs = 90_000) {
  let last: VmcpView | undefined;
  try {
    return await waitFor(
      what,
      async () => {
        last = await readVmcp(kc, NS);
        return last && check(last) ? last : undefined;
      },
      timeoutMs,
      250,
    );
  } catch (e) {
    const seen = last
      ? `phase=${last.phase} backendCount=${last.backendCount} backends=${JSON.stringify(last.discoveredBackends.map((b) => [b.name, b.status, b.message]))} conditions=${JSON.stringify(last.conditions.map((c) => [c.type, c.status, c.reason]))}`
      : "no object";
    throw new Error(`${e instanceof Error ? e.message : String(e)}; last seen ${seen}`);
  }
}

/** Running, Ready pods of a label selector. */
async function readyPods(ns: string, selector: string) {
  const pods = await kc
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace: ns, labelSelector: selector });
  return pods.items.filter(
    (p) =>
      !p.metadata?.deletionTimestamp &&
      p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  );
}

async function leaseHolder(ns: string, name: string): Promise<string | undefined> {
  try {
    return (await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name, namespace: ns })).spec
      ?.holderIdentity;
  } catch {
    return undefined;
  }
}

/** The gateway's ClusterIP URL, once kube-proxy routes it (it programs endpoints a moment after Ready). */
async function gatewayUrl(): Promise<string> {
  const svc = await kc
    .makeApiClient(CoreV1Api)
    .readNamespacedService({ name: `vmcp-${VMCP_NAME}`, namespace: NS });
  const base = `http://${svc.spec?.clusterIP}:4483`;
  await waitFor(
    `${base}/health through kube-proxy`,
    async () => (await fetch(`${base}/health`)).ok,
    30_000,
    250,
  );
  return `${base}/mcp`;
}

const toolCount = (v: VmcpView) =>
  (v.raw.status as { capabilities?: { toolCount?: number } }).capabilities?.toolCount;

beforeAll(async () => {
  if (skip) return;
  images = await timed("images (build or cache)", () => buildProjectImages({ log }));
  const helm = await ensureHelm({ log });
  cluster = await timed("node start", () =>
    startCluster({ log, images: Object.fromEntries(Object.values(images).map((i) => [i.ref, i.archive])) }),
  );
  kc = cluster.kubeConfig();
  for (const ns of [RELEASE_NAMESPACE, NS]) await apply(kc, restrictedNamespace(ns));
  await timed("helm install (operator pod Ready)", async () =>
    helmInstall({
      helm,
      kubeconfigPath: cluster.kubeconfigPath,
      operatorImage: images.operator,
      runtimeImage: images.runtime,
    }),
  );
  await applyInClusterSamples(kc, NS, images.sampleBackend.ref);
});

afterAll(async () => {
  await client?.close().catch(() => {});
  await cluster?.stop();
  log(`timings: ${JSON.stringify(timings)}`);
});

describe.skipIf(skip !== null)("the real node end to end", () => {
  it("the chart runs the operator as a pod from its image, in a restricted namespace, holding the leader Lease", async () => {
    const [pod] = await readyPods(RELEASE_NAMESPACE, "app.kubernetes.io/name=vmcp-operator");
    expect(pod?.spec?.containers[0]?.image).toBe(images.operator.ref);
    const ns = await kc.makeApiClient(CoreV1Api).readNamespace({ name: RELEASE_NAMESPACE });
    expect(ns.metadata?.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const holder = await waitFor("the operator's leader Lease", () =>
      leaseHolder(RELEASE_NAMESPACE, "vmcp-operator-leader"),
    );
    // The operator's identity is <hostname>-<pid>; a pod's hostname is its name.
    expect(holder.startsWith(`${pod?.metadata?.name}-`)).toBe(true);
  });

  it("the runtime pod reports discoveredBackends, backendCount, phase and capability counts", async () => {
    const v = await timed("VirtualMCPServer Ready (runtime pod up, backends discovered)", () =>
      waitForVmcp(
        "phase Ready with weather and calendar ready",
        (v) =>
          v.phase === "Ready" &&
          v.backendCount === 2 &&
          v.discoveredBackends.every((b) => b.status === "ready"),
        180_000,
      ),
    );
    expect(v.discoveredBackends.map((b) => [b.name, b.url]).sort()).toEqual([
      ["calendar", `https://${backendHost("calendar", NS)}:${BACKEND_PORT}/mcp`],
      ["weather", `http://${backendHost("weather", NS)}:${BACKEND_PORT}/mcp`],
    ]);
    expect(toolCount(v)).toBe(4);
    // The runtime reports from inside its pod, which may pass its readiness probe a moment later.
    const pod = await waitFor(
      "a Ready runtime pod",
      async () => (await readyPods(NS, `toolhive-name=${VMCP_NAME}`))[0],
      60_000,
      250,
    );
    expect(pod.spec?.containers[0]?.image).toBe(images.runtime.ref);
    // The status reports come from that pod: it holds the status Lease.
    expect(await waitFor("the status Lease", () => leaseHolder(NS, `${VMCP_NAME}-vmcp-status`))).toContain(
      pod.metadata?.name ?? "?",
    );
  });

  it("an MCP client on the host calls a tool on each backend through the gateway's ClusterIP", async () => {
    client = await connectClient(await gatewayUrl());
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(["calendar_echo", "calendar_next_event", "weather_echo", "weather_forecast"]);
    expect(toolText(await client.callTool({ name: "calendar_next_event", arguments: {} }))).toBe(
      "Stand-up at 09:30",
    );
    expect(toolText(await client.callTool({ name: "weather_forecast", arguments: { city: "Lisbon" } }))).toBe(
      "Tomorrow in Lisbon: sunny, 21 °C",
    );
  });

  it("the weather backend's pods gone turns the phase Degraded, and Ready again once a pod is back", async () => {
    const scale = (replicas: number) =>
      kubeRequest(kc, {
        method: "PATCH",
        path: `/apis/apps/v1/namespaces/${NS}/deployments/weather/scale`,
        body: { spec: { replicas } },
        contentType: "application/merge-patch+json",
      });
    await scale(0);
    const degraded = await timed("Degraded after the backend pod went", () =>
      waitForVmcp(
        "phase Degraded with weather unavailable",
        (v) => v.phase === "Degraded" && backend(v, "weather")?.status === "unavailable",
      ),
    );
    expect(backend(degraded, "calendar")?.status).toBe("ready");
    await scale(1);
    await timed("Ready after the backend pod came back", () =>
      waitForVmcp(
        "phase Ready with weather ready again",
        (v) => v.phase === "Ready" && backend(v, "weather")?.status === "ready",
      ),
    );
  });

  it("a tool filter change rolls the runtime, and the new pod takes over the status Lease", async () => {
    const [before] = await readyPods(NS, `toolhive-name=${VMCP_NAME}`);
    const v = await vmcp();
    const spec = v.raw.spec as { config: { aggregation: Record<string, unknown> } };
    spec.config.aggregation.tools = [{ workload: "weather", filter: ["forecast"] }];
    await apply(kc, { ...v.raw, metadata: { name: VMCP_NAME, namespace: NS }, status: undefined } as never);
    const after = await timed("rollout to a new runtime pod", () =>
      waitFor(
        "a new Ready runtime pod and the old one gone",
        async () => {
          const pods = await kc
            .makeApiClient(CoreV1Api)
            .listNamespacedPod({ namespace: NS, labelSelector: `toolhive-name=${VMCP_NAME}` });
          const ready = await readyPods(NS, `toolhive-name=${VMCP_NAME}`);
          const fresh = ready.find((p) => p.metadata?.name !== before?.metadata?.name);
          return fresh && pods.items.length === 1 ? fresh : undefined;
        },
        180_000,
        250,
      ),
    );
    await waitFor(
      "the new pod holding the status Lease",
      async () => (await leaseHolder(NS, `${VMCP_NAME}-vmcp-status`))?.includes(after.metadata?.name ?? "?"),
      90_000,
    );
    const filtered = await waitForVmcp("3 tools advertised", (v) => toolCount(v) === 3);
    expect(filtered.phase).toBe("Ready");
    await client?.close();
    client = await connectClient(await gatewayUrl());
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([
      "calendar_echo",
      "calendar_next_event",
      "weather_forecast",
    ]);
  });

  it("deleting the VirtualMCPServer garbage-collects every object it owns", async () => {
    await client?.close();
    client = undefined;
    const owned = [
      ["apps/v1", "Deployment", VMCP_NAME],
      ["v1", "Service", `vmcp-${VMCP_NAME}`],
      ["v1", "ConfigMap", `${VMCP_NAME}-vmcp-config`],
      ["v1", "ServiceAccount", `${VMCP_NAME}-vmcp`],
      ["rbac.authorization.k8s.io/v1", "Role", `${VMCP_NAME}-vmcp`],
      ["rbac.authorization.k8s.io/v1", "RoleBinding", `${VMCP_NAME}-vmcp`],
    ] as const;
    for (const [apiVersion, kind, name] of owned)
      expect(await get(kc, apiVersion, kind, NS, name), `${kind} ${name}`).toBeDefined();
    await remove(kc, (await vmcp()).raw);
    await timed("garbage collection of the owned objects", async () => {
      for (const [apiVersion, kind, name] of owned) {
        await waitFor(
          `${kind} ${name} to be collected`,
          async () => (await get(kc, apiVersion, kind, NS, name)) === undefined,
          90_000,
          250,
        );
      }
      await waitFor(
        "the runtime pod to be gone",
        async () =>
          (
            await kc
              .makeApiClient(CoreV1Api)
              .listNamespacedPod({ namespace: NS, labelSelector: `toolhive-name=${VMCP_NAME}` })
          ).items.length === 0,
        90_000,
        250,
      );
    });
    expect(await get(kc, API_VERSION, "VirtualMCPServer", NS, VMCP_NAME)).toBeUndefined();
  });
});
