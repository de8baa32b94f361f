// MCPServer with transport stdio -> the server in StatefulSet <name> (one pod, <name>-0, its
// container started with stdin open), and its proxy: Deployment <name> running `vmcp proxy`, which
// attaches to that pod's stdio and serves it over Streamable HTTP behind Service mcp-<name>-proxy.
// The proxy's own ServiceAccount may read and attach to that one pod and nothing else.
import type {
  V1Container,
  V1Deployment,
  V1PodTemplateSpec,
  V1Role,
  V1RoleBinding,
  V1ServiceAccount,
  V1StatefulSet,
} from "@kubernetes/client-node";
import { controllerRef } from "../owner.ts";
import { overlayPodTemplate, parsePodTemplateOverlay } from "../pod-template-overlay.ts";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../security-context.ts";
import {
  MCP_CONTAINER,
  mcpServerDeploymentName,
  mcpServerLabels,
  STDIO_PROXY_COMPONENT,
  STDIO_SERVER_COMPONENT,
  stdioProxyRbacName,
  stdioServerPodName,
  stdioServerStatefulSetName,
} from "./names.ts";
import {
  envVars,
  MCP_POD_PROFILE,
  type McpServerWorkloadInput,
  resources,
  withMetadataOverrides,
} from "./workload.ts";

/** The port `vmcp proxy` listens on in its pod (the Service maps proxyPort to it). */
export const STDIO_PROXY_PORT = 8080;
export const STDIO_PROXY_CONTAINER = "proxy";

export const DEFAULT_STDIO_PROXY_RESOURCES = {
  requests: { cpu: "10m", memory: "48Mi" },
  limits: { cpu: "500m", memory: "256Mi" },
} as const;

export interface StdioProxyInput extends McpServerWorkloadInput {
  /** The runtime image (`vmcp proxy`), the operator's --vmcp-image. */
  image: string;
}

const meta = (input: McpServerWorkloadInput, name: string, extra: Record<string, string> = {}) => ({
  name,
  namespace: input.server.metadata.namespace,
  labels: { ...mcpServerLabels(input.server.metadata.name ?? ""), ...extra },
  ownerReferences: [controllerRef(input.owner)],
});

/** Throws InvalidPodTemplateSpecError when spec.podTemplateSpec breaks the allow-list; the
 * overlay applies to the server's pod (container mcp), as for an HTTP server. */
export function buildStdioServerStatefulSet(input: McpServerWorkloadInput): V1StatefulSet {
  const { server } = input;
  const spec = server.spec;
  const name = server.metadata.name ?? "";
  const overlay = parsePodTemplateOverlay(spec.podTemplateSpec, MCP_POD_PROFILE);
  const labels = { ...mcpServerLabels(name), ...STDIO_SERVER_COMPONENT };
  const container: V1Container = {
    name: MCP_CONTAINER,
    image: spec.image,
    ...(spec.args && spec.args.length > 0 ? { args: [...spec.args] } : {}),
    // The proxy attaches to this stdin. stdinOnce and tty stay unset (false, the API's defaults,
    // which it leaves out, so an explicit false would differ from every live object): stdin stays
    // open across attaches, so the server keeps running while the proxy reconnects.
    stdin: true,
    env: envVars(spec),
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    resources: resources(spec),
    securityContext: restrictedContainerSecurity(),
  };
  const base: V1PodTemplateSpec = {
    metadata: { labels },
    spec: {
      automountServiceAccountToken: false,
      // Nothing to drain but the proxy's one stream; a stdio server rarely handles SIGTERM.
      terminationGracePeriodSeconds: 10,
      securityContext: restrictedPodSecurity(),
      containers: [container],
      volumes: [{ name: "tmp", emptyDir: {} }],
    },
  };
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: meta(input, stdioServerStatefulSetName(name), STDIO_SERVER_COMPONENT),
    spec: {
      // One process: a stdio server has one session, and the proxy attaches to exactly one pod.
      replicas: 1,
      selector: { matchLabels: labels },
      template: overlayPodTemplate(base, overlay, { labels, annotations: {} }),
    },
  };
}

export function buildStdioProxyDeployment(input: StdioProxyInput): V1Deployment {
  const name = input.server.metadata.name ?? "";
  const labels = { ...mcpServerLabels(name), ...STDIO_PROXY_COMPONENT };
  const overrides = input.server.spec.resourceOverrides?.proxyDeployment;
  const container: V1Container = {
    name: STDIO_PROXY_CONTAINER,
    image: input.image,
    args: [
      "proxy",
      "--pod",
      stdioServerPodName(name),
      "--container",
      MCP_CONTAINER,
      "--host",
      "0.0.0.0",
      "--port",
      String(STDIO_PROXY_PORT),
    ],
    env: [
      // resourceOverrides env first; the namespace the proxy attaches in is ours.
      ...(overrides?.env ?? [])
        .filter((e) => e.name !== "POD_NAMESPACE")
        .map((e) => ({ name: e.name, value: e.value ?? "" })),
      // apiVersion spelled out: the API server defaults it, and a fieldRef is compared whole.
      {
        name: "POD_NAMESPACE",
        valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } },
      },
    ],
    ports: [{ name: "http", containerPort: STDIO_PROXY_PORT, protocol: "TCP" }],
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    // Ready only while attached to the server and initialised: the Service routes to a proxy
    // that can answer, and status Ready means calls work.
    readinessProbe: {
      httpGet: { path: "/readyz", port: "http" },
      periodSeconds: 2,
      timeoutSeconds: 1,
      failureThreshold: 1,
    },
    livenessProbe: {
      httpGet: { path: "/health", port: "http" },
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 3,
    },
    resources: {
      requests: { ...DEFAULT_STDIO_PROXY_RESOURCES.requests },
      limits: { ...DEFAULT_STDIO_PROXY_RESOURCES.limits },
    },
    securityContext: restrictedContainerSecurity(),
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: withMetadataOverrides(
      meta(input, mcpServerDeploymentName(name), STDIO_PROXY_COMPONENT),
      overrides,
    ),
    spec: {
      // One proxy: every replica would attach to the same stdin and interleave its writes.
      replicas: 1,
      // The old proxy detaches before the new one attaches.
      strategy: { type: "Recreate" },
      selector: { matchLabels: labels },
      template: {
        metadata: withMetadataOverrides({ labels }, overrides?.podTemplateMetadataOverrides),
        spec: {
          serviceAccountName: stdioProxyRbacName(name),
          automountServiceAccountToken: true,
          terminationGracePeriodSeconds: 10,
          securityContext: restrictedPodSecurity(),
          containers: [container],
          volumes: [{ name: "tmp", emptyDir: {} }],
        },
      },
    },
  };
}

export function buildStdioProxyServiceAccount(input: McpServerWorkloadInput): V1ServiceAccount {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: meta(input, stdioProxyRbacName(input.server.metadata.name ?? "")),
  };
}

/** Read and attach to the server's one pod, by name; nothing else (no list, no exec, no logs).
 * Attach over a WebSocket is an HTTP GET, authorised as `get` on pods/attach; over SPDY (and over
 * a WebSocket where the API server requires it) as `create`: both, so either server accepts it. */
export function buildStdioProxyRole(input: McpServerWorkloadInput): V1Role {
  const name = input.server.metadata.name ?? "";
  const pod = [stdioServerPodName(name)];
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: meta(input, stdioProxyRbacName(name)),
    rules: [
      { apiGroups: [""], resources: ["pods"], resourceNames: pod, verbs: ["get"] },
      { apiGroups: [""], resources: ["pods/attach"], resourceNames: pod, verbs: ["get", "create"] },
    ],
  };
}

export function buildStdioProxyRoleBinding(input: McpServerWorkloadInput): V1RoleBinding {
  const name = stdioProxyRbacName(input.server.metadata.name ?? "");
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: meta(input, name),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
    subjects: [{ kind: "ServiceAccount", name, namespace: input.server.metadata.namespace ?? "" }],
  };
}
