// The whole end-to-end flow, shared by scripts/demo.ts and the e2e suite: sample MCP servers, the
// operator (in-process, as the chart's ServiceAccount), the sample resources, the operator's
// workload, and the runtime started as its pod would run. Everything started is stopped by stop().
import type { KubeConfig } from "@kubernetes/client-node";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { API_VERSION, type DiscoveredBackend } from "@vmcp/shared-types";
import { get, type KubeObject, patchStatus, waitFor } from "./kube.ts";
import { type OperatorHandle, type OperatorScope, runOperator } from "./operator.ts";
import { type RuntimeProcess, startRuntime } from "./runtime.ts";
import { applySampleResources, type SampleBackends, startSampleBackends, VMCP_NAME } from "./samples.ts";

export interface ScenarioOptions {
  admin: KubeConfig;
  /** Namespace of the sample resources (must exist). */
  namespace: string;
  operatorScope: OperatorScope;
  /** Runtime config, kubeconfig and logs go here. */
  workDir: string;
  progress?: (step: string) => void;
  /** Operator log file (default: silent). */
  operatorLog?: string;
  /**
   * Patch the Deployment's status to "available" (default true): the local control plane has no
   * kubelet or deployment controller. Off on a real cluster, whose controllers own that status.
   */
  markAvailable?: boolean;
}

export interface VmcpView {
  phase: string | undefined;
  message: string | undefined;
  url: string | undefined;
  backendCount: number | undefined;
  discoveredBackends: DiscoveredBackend[];
  conditions: { type: string; status: string; reason?: string; message?: string }[];
  raw: KubeObject;
}

export interface Scenario {
  admin: KubeConfig;
  namespace: string;
  backends: SampleBackends;
  operator: OperatorHandle;
  runtime: RuntimeProcess;
  vmcp(): Promise<VmcpView>;
  /** Polls the VirtualMCPServer until `check` holds (runtime-reported status arrives asynchronously). */
  waitForVmcp(what: string, check: (v: VmcpView) => boolean, timeoutMs?: number): Promise<VmcpView>;
  /** An MCP SDK Client connected to the gateway (the caller closes it). */
  client(): Promise<Client>;
  stop(): Promise<void>;
}

export function vmcpRef(namespace: string, name = VMCP_NAME) {
  return { apiVersion: API_VERSION, kind: "VirtualMCPServer", metadata: { name, namespace } };
}

export async function readVmcp(
  kc: KubeConfig,
  namespace: string,
  name = VMCP_NAME,
): Promise<VmcpView | undefined> {
  const o = await get(kc, API_VERSION, "VirtualMCPServer", namespace, name);
  if (!o) return undefined;
  const st = (o.status ?? {}) as Record<string, unknown>;
  return {
    phase: st.phase as string | undefined,
    message: st.message as string | undefined,
    url: st.url as string | undefined,
    backendCount: st.backendCount as number | undefined,
    discoveredBackends: (st.discoveredBackends as DiscoveredBackend[] | undefined) ?? [],
    conditions: (st.conditions as VmcpView["conditions"] | undefined) ?? [],
    raw: o,
  };
}

/** The operator's ConfigMap (config.yaml) and Deployment for a VirtualMCPServer, once both exist. */
export async function waitForWorkload(
  kc: KubeConfig,
  namespace: string,
  name = VMCP_NAME,
): Promise<{ deployment: KubeObject; configYaml: string; serviceAccount: string }> {
  return await waitFor(
    `the operator's ConfigMap ${name}-vmcp-config and Deployment ${name}`,
    async () => {
      const cm = await get(kc, "v1", "ConfigMap", namespace, `${name}-vmcp-config`);
      const deployment = await get(kc, "apps/v1", "Deployment", namespace, name);
      const configYaml = (cm?.data as Record<string, string> | undefined)?.["config.yaml"];
      if (!deployment || !configYaml) return undefined;
      const podSpec = (deployment.spec as { template?: { spec?: { serviceAccountName?: string } } }).template
        ?.spec;
      const serviceAccount = podSpec?.serviceAccountName;
      if (!serviceAccount) return undefined;
      // The ServiceAccount must exist before a token can be requested for it.
      if (!(await get(kc, "v1", "ServiceAccount", namespace, serviceAccount))) return undefined;
      return { deployment, configYaml, serviceAccount };
    },
    60_000,
  );
}

/** There is no kubelet or deployment controller here: the Deployment becomes available when we say so. */
export async function markDeploymentAvailable(kc: KubeConfig, deployment: KubeObject): Promise<void> {
  const now = new Date().toISOString();
  await patchStatus(kc, deployment, {
    observedGeneration: deployment.metadata.generation,
    replicas: 1,
    updatedReplicas: 1,
    readyReplicas: 1,
    availableReplicas: 1,
    conditions: [
      {
        type: "Available",
        status: "True",
        reason: "MinimumReplicasAvailable",
        message: "Deployment has minimum availability.",
        lastUpdateTime: now,
        lastTransitionTime: now,
      },
    ],
  });
}

export async function connectClient(mcpUrl: string): Promise<Client> {
  const client = new Client({ name: "vmcp-e2e", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
  return client;
}

export async function startScenario(o: ScenarioOptions): Promise<Scenario> {
  const progress = o.progress ?? (() => {});
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    cleanups.length = 0;
  };
  try {
    progress(
      "starting sample MCP servers on 127.0.0.1 (weather over HTTP, calendar over TLS with a private CA)",
    );
    const backends = await startSampleBackends();
    cleanups.push(() => backends.stop());

    progress(
      "starting the operator in-process as the chart's ServiceAccount (its RBAC from deploy/manifests, leader election on)",
    );
    const operator = await runOperator(o.admin, { scope: o.operatorScope, logFile: o.operatorLog });
    cleanups.push(() => operator.stop());

    progress(
      "applying an MCPGroup, an MCPServer, a TLS MCPServerEntry with caBundleRef, and a VirtualMCPServer",
    );
    await applySampleResources(o.admin, o.namespace, backends);

    progress("waiting for the operator's ServiceAccount/Role/ConfigMap/Deployment/Service");
    const workload = await waitForWorkload(o.admin, o.namespace);

    if (o.markAvailable ?? true) {
      progress("marking the Deployment available (no kubelet here: this is what a running pod would cause)");
      await markDeploymentAvailable(o.admin, workload.deployment);
    }

    progress(
      `starting the runtime as the pod would: vmcp serve, VMCP_NAME=${VMCP_NAME}, ServiceAccount ${workload.serviceAccount}`,
    );
    const runtime = await startRuntime({
      admin: o.admin,
      namespace: o.namespace,
      name: VMCP_NAME,
      serviceAccount: workload.serviceAccount,
      configYaml: workload.configYaml,
      dir: o.workDir,
    });
    cleanups.push(() => runtime.stop());

    const scenario: Scenario = {
      admin: o.admin,
      namespace: o.namespace,
      backends,
      operator,
      runtime,
      vmcp: async () => {
        const v = await readVmcp(o.admin, o.namespace);
        if (!v) throw new Error(`VirtualMCPServer ${o.namespace}/${VMCP_NAME} not found`);
        return v;
      },
      waitForVmcp: async (what, check, timeoutMs = 30_000) => {
        let last: VmcpView | undefined;
        try {
          return await waitFor(
            what,
            async () => {
              last = await readVmcp(o.admin, o.namespace);
              return last && check(last) ? last : undefined;
            },
            timeoutMs,
            200,
          );
        } catch (err) {
          const seen = last
            ? `phase=${last.phase} backendCount=${last.backendCount} backends=${JSON.stringify(last.discoveredBackends.map((b) => [b.name, b.status, b.message]))}`
            : "no object";
          throw new Error(
            `${err instanceof Error ? err.message : String(err)}; last seen ${seen}\nruntime log tail:\n${runtime.recentLogs().slice(-15).join("\n")}`,
          );
        }
      },
      client: () => connectClient(runtime.mcpUrl),
      stop,
    };
    return scenario;
  } catch (err) {
    await stop();
    throw err;
  }
}
