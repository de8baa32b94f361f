// Names and labels of what the operator creates for an MCPServer, as ToolHive names them, so
// manifests, selectors and dashboards written for ToolHive keep working.
import type { MCPServer } from "@vmcp/shared-types";

/** The server's container: the name a podTemplateSpec overlay addresses (ToolHive's). */
export const MCP_CONTAINER = "mcp";

export const mcpServerDeploymentName = (server: string): string => server;
export const mcpServerServiceName = (server: string): string => `mcp-${server}-proxy`;

/** Selector labels shared by the Deployment, its pod template and the Service. */
export function mcpServerLabels(server: string): Record<string, string> {
  return {
    app: "mcpserver",
    "app.kubernetes.io/name": "mcpserver",
    "app.kubernetes.io/instance": server,
    toolhive: "true",
    "toolhive-name": server,
  };
}

/** Extra labels of a stdio server's two pods: the proxy (the Service's) and the server itself. */
export const STDIO_PROXY_COMPONENT = { "app.kubernetes.io/component": "proxy" } as const;
export const STDIO_SERVER_COMPONENT = { "app.kubernetes.io/component": "mcp-server" } as const;

/** A stdio server runs as StatefulSet <name> (ToolHive's): its one pod has a stable name, which
 * the proxy's Role can name in resourceNames. */
export const stdioServerStatefulSetName = (server: string): string => server;
export const stdioServerPodName = (server: string): string => `${server}-0`;
/** ServiceAccount, Role and RoleBinding of a stdio server's proxy (ToolHive's name). */
export const stdioProxyRbacName = (server: string): string => `${server}-proxy-runner`;

/** The MCPServer a pod of its Deployment belongs to, from the pod's labels. */
export const mcpServerInstance = (labels: Record<string, string> | undefined): string | undefined =>
  labels?.["app.kubernetes.io/name"] === "mcpserver" ? labels["toolhive-name"] : undefined;

/** The port the server listens on in its pod: mcpPort, else proxyPort (the Service's port). */
export const mcpServerContainerPort = (spec: MCPServer["spec"]): number => spec.mcpPort ?? spec.proxyPort;

/**
 * status.url as ToolHive reports it: the Service's cluster DNS name on proxyPort, /mcp for
 * Streamable HTTP, /sse#<name> for SSE (the fragment names the server to SSE clients).
 */
export function mcpServerUrl(name: string, namespace: string, spec: MCPServer["spec"]): string {
  const base = `http://${mcpServerServiceName(name)}.${namespace}.svc.cluster.local:${spec.proxyPort}`;
  return spec.transport === "sse" ? `${base}/sse#${name}` : `${base}/mcp`;
}
