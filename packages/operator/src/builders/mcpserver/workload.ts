// MCPServer (HTTP transports) -> its Deployment and Service: the server's own image, listening on
// its MCP port, under the restricted Pod Security Standard, behind Service mcp-<name>-proxy.
import type {
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1PodTemplateSpec,
  V1Service,
} from "@kubernetes/client-node";
import type { MCPServer } from "@vmcp/shared-types";
import { controllerRef, type OwnerInfo } from "../owner.ts";
import { overlayPodTemplate, parsePodTemplateOverlay } from "../pod-template-overlay.ts";
import type { PodTemplateProfile } from "../pod-template-policy.ts";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../security-context.ts";
import {
  MCP_CONTAINER,
  mcpServerContainerPort,
  mcpServerDeploymentName,
  mcpServerLabels,
  mcpServerServiceName,
  STDIO_PROXY_COMPONENT,
} from "./names.ts";

/** The server's pod reserves only /tmp (the root filesystem is read-only); its env is the user's own. */
export const MCP_POD_PROFILE: PodTemplateProfile = {
  container: MCP_CONTAINER,
  reservedEnvPrefixes: [],
  reservedVolume: (name) => name === "tmp",
  reservedMountPath: (p) => {
    const path = p.replace(/\/+$/, "");
    return path === "" || path === "/tmp";
  },
  imageWhy: "use spec.image and spec.args",
};

export const DEFAULT_MCP_RESOURCES = {
  requests: { cpu: "10m", memory: "64Mi" },
  limits: { cpu: "500m", memory: "512Mi" },
} as const;

export interface McpServerWorkloadInput {
  server: MCPServer;
  owner: OwnerInfo;
}

/**
 * The variables ToolHive gives servers to say how to serve (for HTTP servers also where to
 * listen), then spec.secrets, then spec.env (a user's entry of the same name wins: it is their server).
 */
export function envVars(spec: MCPServer["spec"]): V1EnvVar[] {
  const port = String(mcpServerContainerPort(spec));
  const byName = new Map<string, V1EnvVar>();
  const listen = [
    { name: "MCP_PORT", value: port },
    { name: "FASTMCP_PORT", value: port },
    { name: "MCP_HOST", value: "0.0.0.0" },
  ];
  for (const e of [
    { name: "MCP_TRANSPORT", value: spec.transport },
    ...(spec.transport === "stdio" ? [] : listen),
  ])
    byName.set(e.name, e);
  for (const s of spec.secrets ?? []) {
    const name = s.targetEnvName ?? s.key;
    byName.set(name, { name, valueFrom: { secretKeyRef: { name: s.name, key: s.key } } });
  }
  for (const e of spec.env ?? []) byName.set(e.name, { name: e.name, value: e.value ?? "" });
  return [...byName.values()];
}

type MetadataOverrides = { labels?: Record<string, string>; annotations?: Record<string, string> };

/** Labels and annotations of spec.resourceOverrides on an object: added to ours, never replacing
 * the selector labels (a Service or ReplicaSet would lose its pods). */
export function withMetadataOverrides<
  T extends { labels?: Record<string, string>; annotations?: Record<string, string> },
>(meta: T, o: MetadataOverrides | undefined): T {
  if (!o) return meta;
  const out = { ...meta, labels: { ...o.labels, ...meta.labels } };
  const annotations = { ...o.annotations, ...meta.annotations };
  return Object.keys(annotations).length > 0 ? { ...out, annotations } : out;
}

const resourceList = (l: { cpu?: string | undefined; memory?: string | undefined } | undefined) =>
  l ? Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined)) : undefined;

export function resources(spec: MCPServer["spec"]): V1Container["resources"] {
  const r = spec.resources;
  return {
    requests: { ...DEFAULT_MCP_RESOURCES.requests, ...resourceList(r?.requests) },
    limits: { ...DEFAULT_MCP_RESOURCES.limits, ...resourceList(r?.limits) },
  };
}

/** Throws InvalidPodTemplateSpecError when spec.podTemplateSpec breaks the allow-list. */
export function buildMcpServerDeployment(input: McpServerWorkloadInput): V1Deployment {
  const { server, owner } = input;
  const spec = server.spec;
  const name = server.metadata.name ?? "";
  const overlay = parsePodTemplateOverlay(spec.podTemplateSpec, MCP_POD_PROFILE);
  const labels = mcpServerLabels(name);
  const port = mcpServerContainerPort(spec);
  const container: V1Container = {
    name: MCP_CONTAINER,
    image: spec.image,
    ...(spec.args && spec.args.length > 0 ? { args: [...spec.args] } : {}),
    ports: [{ name: "mcp", containerPort: port, protocol: "TCP" }],
    env: envVars(spec),
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    // TCP, not HTTP: an MCP endpoint answers only MCP requests, and any server that accepts
    // connections on its port is ready to be initialised by the gateway.
    readinessProbe: { tcpSocket: { port: "mcp" }, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 },
    livenessProbe: {
      tcpSocket: { port: "mcp" },
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    resources: resources(spec),
    securityContext: restrictedContainerSecurity(),
  };
  const overrides = spec.resourceOverrides?.proxyDeployment;
  const base: V1PodTemplateSpec = {
    metadata: withMetadataOverrides({ labels }, overrides?.podTemplateMetadataOverrides),
    spec: {
      // No API token: an MCP server has no business with the Kubernetes API, and spec.serviceAccount
      // is refused before anything is built (serviceAccountRefusal).
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 30,
      securityContext: restrictedPodSecurity(),
      containers: [container],
      volumes: [{ name: "tmp", emptyDir: {} }],
    },
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: withMetadataOverrides(
      {
        name: mcpServerDeploymentName(name),
        namespace: server.metadata.namespace,
        labels,
        ownerReferences: [controllerRef(owner)],
      },
      overrides,
    ),
    // replicas left out: Kubernetes defaults it to 1 and `kubectl scale` (or an HPA) may own it.
    spec: {
      selector: { matchLabels: labels },
      template: overlayPodTemplate(base, overlay, { labels, annotations: {} }),
    },
  };
}

/** Service mcp-<name>-proxy: proxyPort -> the server's MCP port (a stdio server's proxy's port).
 * clusterIP is the API server's. */
export function buildMcpServerService(input: McpServerWorkloadInput): V1Service {
  const { server, owner } = input;
  const name = server.metadata.name ?? "";
  const labels = mcpServerLabels(name);
  // A stdio server's pod has no port: the Service is its proxy's.
  const selector = server.spec.transport === "stdio" ? { ...labels, ...STDIO_PROXY_COMPONENT } : labels;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: withMetadataOverrides(
      {
        name: mcpServerServiceName(name),
        namespace: server.metadata.namespace,
        labels,
        ownerReferences: [controllerRef(owner)],
      },
      server.spec.resourceOverrides?.proxyService,
    ),
    spec: {
      type: "ClusterIP",
      selector,
      ports: [
        {
          name: "http",
          port: server.spec.proxyPort,
          targetPort: server.spec.transport === "stdio" ? "http" : "mcp",
          protocol: "TCP",
        },
      ],
    },
  };
}
