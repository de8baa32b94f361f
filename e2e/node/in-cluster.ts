// The sample world as pods: the sample-backend image behind Services (one over TLS with a private
// CA), the resources describing them, and the chart installed with the locally built images.
import { spawnSync } from "node:child_process";
import type { KubeConfig } from "@kubernetes/client-node";
import { API_VERSION } from "@vmcp/shared-types";
import { generatePki } from "../../packages/testenv/src/pki.ts";
import { CHART_DIR, RELEASE, RELEASE_NAMESPACE } from "../harness/chart.ts";
import { apply, type KubeObject } from "../harness/kube.ts";
import { GROUP_NAME, VMCP_NAME } from "../harness/samples.ts";

export const BACKEND_PORT = 8080;

/** What the restricted Pod Security Standard demands of every container. */
export const RESTRICTED = {
  pod: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
  container: {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
  },
} as const;

export const restrictedNamespace = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: {
    name,
    labels: {
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "latest",
    },
  },
});

export const backendHost = (name: string, ns: string) => `${name}.${ns}.svc.cluster.local`;

function backendWorkload(ns: string, name: string, image: string, tls: boolean): KubeObject[] {
  const labels = { app: `sample-${name}` };
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 1,
            securityContext: RESTRICTED.pod,
            containers: [
              {
                name: "backend",
                image,
                imagePullPolicy: "Never",
                args: [
                  "--name",
                  name,
                  "--port",
                  String(BACKEND_PORT),
                  ...(tls ? ["--tls-dir", "/etc/tls"] : []),
                ],
                ports: [{ name: "mcp", containerPort: BACKEND_PORT }],
                readinessProbe: { tcpSocket: { port: "mcp" }, periodSeconds: 1 },
                securityContext: RESTRICTED.container,
                resources: { requests: { cpu: "10m", memory: "48Mi" }, limits: { memory: "160Mi" } },
                ...(tls ? { volumeMounts: [{ name: "tls", mountPath: "/etc/tls", readOnly: true }] } : {}),
              },
            ],
            ...(tls ? { volumes: [{ name: "tls", secret: { secretName: `${name}-tls` } }] } : {}),
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: ns },
      spec: { selector: labels, ports: [{ name: "mcp", port: BACKEND_PORT, targetPort: "mcp" }] },
    },
  ];
}

const kindObj = (kind: string, ns: string, name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: API_VERSION,
  kind,
  metadata: { name, namespace: ns },
  spec,
});

/**
 * An MCPServer the operator runs from the sample-backend image: the named tool set over Streamable
 * HTTP on port 8080 (the default proxyPort), in `group`.
 */
export const sampleMcpServer = (
  ns: string,
  name: string,
  image: string,
  tools: string,
  group = GROUP_NAME,
): KubeObject =>
  kindObj("MCPServer", ns, name, {
    groupRef: { name: group },
    transport: "streamable-http",
    image,
    args: ["--name", tools, "--port", String(BACKEND_PORT)],
    resources: { requests: { cpu: "10m", memory: "48Mi" }, limits: { memory: "160Mi" } },
  });

/** The same tool set over stdio: the operator runs it with an attach proxy in front. */
export const sampleStdioMcpServer = (
  ns: string,
  name: string,
  image: string,
  tools: string,
  group = GROUP_NAME,
): KubeObject =>
  kindObj("MCPServer", ns, name, {
    groupRef: { name: group },
    transport: "stdio",
    image,
    args: ["--name", tools, "--stdio"],
    resources: { requests: { cpu: "10m", memory: "48Mi" }, limits: { memory: "160Mi" } },
  });

/**
 * weather (an MCPServer: the operator deploys it from the sample-backend image) and calendar (HTTPS
 * with a private CA: a pod behind a Service of ours, described by an MCPServerEntry with
 * caBundleRef), and a VirtualMCPServer over their group with quick health checks.
 */
export async function applyInClusterSamples(kc: KubeConfig, ns: string, image: string): Promise<void> {
  const pki = await generatePki({ servingDnsNames: [backendHost("calendar", ns), `calendar.${ns}.svc`] });
  const objects: KubeObject[] = [
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "calendar-tls", namespace: ns },
      type: "kubernetes.io/tls",
      stringData: { "tls.crt": pki.servingCert, "tls.key": pki.servingKey },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "calendar-ca", namespace: ns },
      data: { "ca.crt": pki.servingCa },
    },
    ...backendWorkload(ns, "calendar", image, true),
    kindObj("MCPGroup", ns, GROUP_NAME, { description: "Sample tools behind one gateway" }),
    sampleMcpServer(ns, "weather", image, "weather"),
    kindObj("MCPServerEntry", ns, "calendar", {
      groupRef: { name: GROUP_NAME },
      remoteUrl: `https://${backendHost("calendar", ns)}:${BACKEND_PORT}/mcp`,
      transport: "streamable-http",
      allowPrivateEndpoint: true,
      caBundleRef: { configMapRef: { name: "calendar-ca", key: "ca.crt" } },
    }),
    kindObj("VirtualMCPServer", ns, VMCP_NAME, {
      groupRef: { name: GROUP_NAME },
      incomingAuth: { type: "anonymous" },
      config: {
        aggregation: { conflictResolution: "prefix" },
        operational: {
          failureHandling: {
            healthCheckInterval: "2s",
            healthCheckTimeout: "1s",
            unhealthyThreshold: 1,
            statusReportingInterval: "5s",
          },
        },
      },
    }),
  ];
  for (const o of objects) await apply(kc, o);
}

type ChartImages = {
  helm: string;
  kubeconfigPath: string;
  operatorImage: { repository: string; tag: string };
  runtimeImage: { repository: string; tag: string };
};

function helmRun(args: string[]): void {
  const r = spawnSync(args[0] ?? "helm", args.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
}

/** `helm install` of the chart with the local images (never pulled: there is no registry). */
export function helmInstall(o: ChartImages): void {
  helmRun([
    o.helm,
    "install",
    RELEASE,
    CHART_DIR,
    "--namespace",
    RELEASE_NAMESPACE,
    "--kubeconfig",
    o.kubeconfigPath,
    "--set",
    `image.repository=${o.operatorImage.repository}`,
    "--set",
    `image.tag=${o.operatorImage.tag}`,
    "--set",
    "image.pullPolicy=Never",
    "--set",
    `vmcpImage.repository=${o.runtimeImage.repository}`,
    "--set",
    `vmcpImage.tag=${o.runtimeImage.tag}`,
    "--wait",
    "--timeout",
    "180s",
  ]);
}

/** `helm upgrade` to another runtime image tag: the operator pod rolls and re-renders every runtime. */
export function helmSetRuntimeTag(o: Pick<ChartImages, "helm" | "kubeconfigPath">, tag: string): void {
  helmRun([
    o.helm,
    "upgrade",
    RELEASE,
    CHART_DIR,
    "--namespace",
    RELEASE_NAMESPACE,
    "--kubeconfig",
    o.kubeconfigPath,
    "--reuse-values",
    "--set",
    `vmcpImage.tag=${tag}`,
    "--wait",
    "--timeout",
    "180s",
  ]);
}

/** What the restricted standard demands, minus runAsUser: the kubelet then checks the image's own USER. */
export function imageCheckPod(name: string, image: string, container: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      restartPolicy: "Never",
      terminationGracePeriodSeconds: 1,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "main",
          image,
          imagePullPolicy: "Never",
          securityContext: RESTRICTED.container,
          ...container,
        },
      ],
    },
  };
}

/**
 * A node script timing `node <entry> --help` inside the image (no shell there), reporting
 * {status, ms} through the termination message: pod timestamps only have whole seconds.
 */
export const timeHelpCommand = (entry: string): string[] => [
  "/nodejs/bin/node",
  "-e",
  `const { spawnSync } = require("node:child_process");
const t = performance.now();
const r = spawnSync(process.execPath, [${JSON.stringify(entry)}, "--help"], { stdio: "ignore" });
require("node:fs").writeFileSync("/dev/termination-log", JSON.stringify({ status: r.status, ms: Math.round(performance.now() - t) }));
process.exit(r.status ?? 1);`,
];
