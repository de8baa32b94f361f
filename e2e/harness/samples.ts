// The sample world of the demo and the e2e suite: MCP servers on 127.0.0.1 (one over TLS with a
// private CA) and the resources that describe them: an MCPGroup, an image-less MCPServer (its
// status.url set by us: the operator runs only MCPServers with an image), a TLS MCPServerEntry with a caBundleRef, and a
// VirtualMCPServer aggregating the group.
import type { KubeConfig } from "@kubernetes/client-node";
import { API_VERSION } from "@vmcp/shared-types";
import { generatePki } from "../../packages/testenv/src/pki.ts";
import { type SampleBackend, startSampleBackend } from "./backend.ts";
import { apply, type KubeObject, patchStatus } from "./kube.ts";
import { SAMPLE_TOOLS } from "./sample-tools.ts";

export const GROUP_NAME = "tools";
export const VMCP_NAME = "gateway";

export interface SampleBackends {
  /** Plain HTTP, described by an MCPServer. */
  weather: SampleBackend;
  /** HTTPS with a private CA, described by an MCPServerEntry with caBundleRef. */
  calendar: SampleBackend;
  /** Plain HTTP, an MCPServerEntry the e2e suite adds to the group later. */
  notes: SampleBackend;
  caPem: string;
  stop(): Promise<void>;
}

export async function startSampleBackends(): Promise<SampleBackends> {
  // A private CA and a 127.0.0.1 serving certificate (the control-plane PKI helper, reused).
  const pki = await generatePki();
  const [weather, calendar, notes] = await Promise.all([
    startSampleBackend({ name: "weather", tools: SAMPLE_TOOLS.weather }),
    startSampleBackend({
      name: "calendar",
      tls: { cert: pki.servingCert, key: pki.servingKey },
      tools: SAMPLE_TOOLS.calendar,
    }),
    startSampleBackend({ name: "notes", tools: SAMPLE_TOOLS.notes }),
  ]);
  return {
    weather,
    calendar,
    notes,
    caPem: pki.servingCa,
    stop: async () => {
      await Promise.all([weather.stop(), calendar.stop(), notes.stop()]);
    },
  };
}

const kindObj = (kind: string, ns: string, name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: API_VERSION,
  kind,
  metadata: { name, namespace: ns },
  spec,
});

/** Everything except the `notes` entry, in dependency order. */
export function sampleResources(ns: string, b: SampleBackends): KubeObject[] {
  return [
    kindObj("MCPGroup", ns, GROUP_NAME, { description: "Sample tools behind one gateway" }),
    // No image: the weather server is a local process here, so the operator deploys nothing and
    // the harness reports its status.url (as another runner of MCPServers would).
    kindObj("MCPServer", ns, "weather", {
      groupRef: { name: GROUP_NAME },
      transport: "streamable-http",
    }),
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "calendar-ca", namespace: ns },
      data: { "ca.crt": b.caPem },
    },
    kindObj("MCPServerEntry", ns, "calendar", {
      groupRef: { name: GROUP_NAME },
      remoteUrl: b.calendar.url,
      transport: "streamable-http",
      caBundleRef: { configMapRef: { name: "calendar-ca", key: "ca.crt" } },
    }),
    kindObj("VirtualMCPServer", ns, VMCP_NAME, {
      groupRef: { name: GROUP_NAME },
      incomingAuth: { type: "anonymous" },
      config: {
        aggregation: { conflictResolution: "prefix" },
        operational: {
          // Quick health verdicts so a stopped backend shows within seconds.
          failureHandling: {
            healthCheckInterval: "2s",
            healthCheckTimeout: "1s",
            unhealthyThreshold: 1,
            statusReportingInterval: "10s",
          },
        },
      },
    }),
  ];
}

export function notesEntry(ns: string, b: SampleBackends): KubeObject {
  return kindObj("MCPServerEntry", ns, "notes", {
    groupRef: { name: GROUP_NAME },
    remoteUrl: b.notes.url,
    transport: "streamable-http",
  });
}

/** Applies the sample resources and reports the image-less MCPServer's status (status.url). */
export async function applySampleResources(
  kc: KubeConfig,
  ns: string,
  b: SampleBackends,
): Promise<KubeObject[]> {
  const objects = sampleResources(ns, b);
  for (const o of objects) await apply(kc, o);
  await markMcpServerRunning(kc, ns, "weather", b.weather.url);
  return objects;
}

export async function markMcpServerRunning(
  kc: KubeConfig,
  ns: string,
  name: string,
  url: string,
): Promise<void> {
  await patchStatus(
    kc,
    { apiVersion: API_VERSION, kind: "MCPServer", metadata: { name, namespace: ns } },
    {
      phase: "Ready",
      url,
      readyReplicas: 1,
    },
  );
}
