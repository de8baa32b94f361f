// MCPRemoteProxy -> the runtime image in single-backend mode in front of spec.remoteUrl: a static
// config.yaml with one backend (bare tool names: priority resolution), a Deployment that runs
// `vmcp serve` without Kubernetes mode (no API token), and Service mcp-<name>-remote-proxy.
import { createHash } from "node:crypto";
import type { V1ConfigMap, V1Deployment, V1Service } from "@kubernetes/client-node";
import type { MCPRemoteProxy, VmcpConfigInput } from "@vmcp/shared-types";
import { runtimeServeArgs } from "../deployment.ts";
import { CONFIG_KEY, CONFIG_MOUNT_DIR, CONTENT_CHECKSUM_ANNOTATION, VMCP_PORT } from "../names.ts";
import { controllerRef, type OwnerInfo } from "../owner.ts";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../security-context.ts";
import { deterministicYaml } from "../yaml.ts";

export const remoteProxyServiceName = (proxy: string): string => `mcp-${proxy}-remote-proxy`;
export const remoteProxyDeploymentName = (proxy: string): string => `${proxy}-remote-proxy`;
export const remoteProxyConfigMapName = (proxy: string): string => `${proxy}-remote-proxy-config`;

export function remoteProxyLabels(proxy: string): Record<string, string> {
  return {
    app: "mcpremoteproxy",
    "app.kubernetes.io/name": "mcpremoteproxy",
    "app.kubernetes.io/instance": proxy,
    toolhive: "true",
    "toolhive-name": proxy,
  };
}

export const remoteProxyInstance = (labels: Record<string, string> | undefined): string | undefined =>
  labels?.["app.kubernetes.io/name"] === "mcpremoteproxy" ? labels["toolhive-name"] : undefined;

/**
 * status.url: the Service on proxyPort, plus /mcp where the runtime serves (ToolHive reports it
 * without a path; the gateway dials status.url as it is).
 */
export const remoteProxyUrl = (proxy: string, namespace: string, port: number): string =>
  `http://${remoteProxyServiceName(proxy)}.${namespace}.svc.cluster.local:${port}/mcp`;

/** The fields whose proxy-side behaviour is not built yet: refusing beats running without them. */
export function remoteProxyUnsupported(spec: MCPRemoteProxy["spec"]): string | undefined {
  // The gateway speaks spec.transport to the proxy, which serves Streamable HTTP only.
  if (spec.transport === "sse") return "transport sse: the remote proxy serves Streamable HTTP only so far";
  if (spec.oidcConfigRef)
    return "oidcConfigRef: incoming OIDC on the remote proxy is not implemented yet (the proxy would run unauthenticated)";
  if (spec.externalAuthConfigRef)
    return "externalAuthConfigRef: outgoing auth from the remote proxy is not implemented yet";
  if (spec.headerForward)
    return "headerForward: header forwarding by the remote proxy is not implemented yet";
  return undefined;
}

export interface RemoteProxyInput {
  proxy: MCPRemoteProxy;
  owner: OwnerInfo;
  image: string;
}

export function remoteProxyConfig(proxy: MCPRemoteProxy): VmcpConfigInput {
  const name = proxy.metadata.name ?? "";
  return {
    name,
    groupRef: name,
    backends: [
      {
        name,
        url: proxy.spec.remoteUrl,
        transport: proxy.spec.transport,
        ...(proxy.spec.allowPrivateEndpoint ? { metadata: { allow_private_endpoint: "true" } } : {}),
      },
    ],
    incomingAuth: { type: "anonymous" },
    aggregation: { conflictResolution: "priority", conflictResolutionConfig: { priorityOrder: [name] } },
  };
}

export function buildRemoteProxyConfigMap(input: RemoteProxyInput): V1ConfigMap {
  const name = input.proxy.metadata.name ?? "";
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: remoteProxyConfigMapName(name),
      namespace: input.proxy.metadata.namespace,
      labels: remoteProxyLabels(name),
      ownerReferences: [controllerRef(input.owner)],
    },
    data: { [CONFIG_KEY]: deterministicYaml(remoteProxyConfig(input.proxy)) },
  };
}

export function buildRemoteProxyDeployment(input: RemoteProxyInput): V1Deployment {
  const { proxy, owner } = input;
  const name = proxy.metadata.name ?? "";
  const labels = remoteProxyLabels(name);
  const yaml = deterministicYaml(remoteProxyConfig(proxy));
  const checksum = createHash("sha256").update(yaml).digest("hex");
  const r = proxy.spec.resources;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: remoteProxyDeploymentName(name),
      namespace: proxy.metadata.namespace,
      labels,
      ownerReferences: [controllerRef(owner)],
    },
    spec: {
      ...(proxy.spec.replicas !== undefined ? { replicas: proxy.spec.replicas } : {}),
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: { [CONTENT_CHECKSUM_ANNOTATION]: checksum } },
        spec: {
          // Not Kubernetes mode: no API token (spec.serviceAccount is refused, serviceAccountRefusal).
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 30,
          securityContext: restrictedPodSecurity(),
          containers: [
            {
              name: "vmcp",
              image: input.image,
              args: runtimeServeArgs(),
              ports: [{ name: "http", containerPort: VMCP_PORT, protocol: "TCP" }],
              volumeMounts: [
                { name: "config", mountPath: CONFIG_MOUNT_DIR, readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
              ],
              readinessProbe: {
                httpGet: { path: "/readyz", port: "http" },
                periodSeconds: 2,
                failureThreshold: 3,
              },
              livenessProbe: {
                httpGet: { path: "/health", port: "http" },
                initialDelaySeconds: 30,
                periodSeconds: 10,
              },
              resources: {
                requests: { cpu: "50m", memory: "96Mi", ...(r?.requests ?? {}) },
                limits: { cpu: "500m", memory: "384Mi", ...(r?.limits ?? {}) },
              },
              securityContext: restrictedContainerSecurity(),
            },
          ],
          volumes: [
            { name: "config", configMap: { name: remoteProxyConfigMapName(name) } },
            { name: "tmp", emptyDir: {} },
          ],
        },
      },
    },
  };
}

/** proxyPort -> the runtime's 4483; sessionAffinity ClientIP by default (ToolHive's). */
export function buildRemoteProxyService(input: RemoteProxyInput): V1Service {
  const name = input.proxy.metadata.name ?? "";
  const labels = remoteProxyLabels(name);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: remoteProxyServiceName(name),
      namespace: input.proxy.metadata.namespace,
      labels,
      ownerReferences: [controllerRef(input.owner)],
    },
    spec: {
      type: "ClusterIP",
      sessionAffinity: input.proxy.spec.sessionAffinity ?? "ClientIP",
      selector: labels,
      ports: [{ name: "http", port: input.proxy.spec.proxyPort, targetPort: "http", protocol: "TCP" }],
    },
  };
}
