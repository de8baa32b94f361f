// Names, labels and well-known paths of everything the operator creates for a VirtualMCPServer.
// They follow ToolHive's so existing tooling (dashboards, selectors, docs) keeps working.
import { createHash } from "node:crypto";

export const VMCP_PORT = 4483;
export const VMCP_CONTAINER = "vmcp";
export const CONFIG_KEY = "config.yaml";
export const CONFIG_MOUNT_DIR = "/etc/vmcp-config";
export const CA_BUNDLE_ROOT = "/etc/toolhive/ca-bundles";
export const DEFAULT_CA_BUNDLE_KEY = "ca.crt";
/** The project's runtime image (the Helm chart's `vmcpImage.repository`), used when none is configured. */
export const DEFAULT_VMCP_IMAGE = "ghcr.io/vmcp-k8s/vmcp:latest";

export const CONTENT_CHECKSUM_ANNOTATION = "toolhive.stacklok.dev/content-checksum";
export const RUNCONFIG_CHECKSUM_ANNOTATION = "toolhive.stacklok.dev/runconfig-checksum";

export const deploymentName = (vmcp: string): string => vmcp;
export const serviceName = (vmcp: string): string => `vmcp-${vmcp}`;
export const configMapName = (vmcp: string): string => `${vmcp}-vmcp-config`;
export const rbacName = (vmcp: string): string => `${vmcp}-vmcp`;
/** The Lease the runtime's status reporters elect a leader on. */
export const statusLeaseName = (vmcp: string): string => `${vmcp}-vmcp-status`;
/** The Secret holding the keys that seal session ids (created once, never rewritten). */
export const sessionKeysSecretName = (vmcp: string): string => `${vmcp}-vmcp-session-keys`;
export const SESSION_KEYS_KEY = "keys";
export const disruptionBudgetName = (vmcp: string): string => `${vmcp}-vmcp`;

export const statusUrl = (vmcp: string, namespace: string): string =>
  `http://${serviceName(vmcp)}.${namespace}.svc.cluster.local:${VMCP_PORT}`;

/** Selector labels shared by the Deployment, its pod template and the Service. */
export function workloadLabels(vmcp: string): Record<string, string> {
  return {
    app: "virtualmcpserver",
    "app.kubernetes.io/name": "virtualmcpserver",
    "app.kubernetes.io/instance": vmcp,
    toolhive: "true",
    "toolhive-name": vmcp,
  };
}

/** The VirtualMCPServer a pod of its Deployment belongs to, from the pod's labels. */
export const workloadInstance = (labels: Record<string, string> | undefined): string | undefined =>
  labels?.["app.kubernetes.io/name"] === "virtualmcpserver" ? labels["toolhive-name"] : undefined;

export function configMapLabels(vmcp: string): Record<string, string> {
  return {
    "toolhive.stacklok.io/component": "vmcp-config",
    "toolhive.stacklok.io/virtual-mcp-server": vmcp,
    "toolhive.stacklok.io/managed-by": "toolhive-operator",
  };
}

export function sessionKeysLabels(vmcp: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": "virtualmcpserver",
    "app.kubernetes.io/instance": vmcp,
    "app.kubernetes.io/component": "vmcp-session-keys",
    "app.kubernetes.io/managed-by": "vmcp-operator",
  };
}

/** Labels on the ServiceAccount, Role and RoleBinding. */
export function rbacLabels(vmcp: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": "virtualmcpserver",
    "app.kubernetes.io/instance": vmcp,
    "app.kubernetes.io/component": "vmcp-rbac",
    "app.kubernetes.io/managed-by": "vmcp-operator",
  };
}

/**
 * Volume name for an entry's CA bundle. Volume names are DNS labels (<= 63 chars), entry names
 * may be longer, so long names keep a readable prefix plus a hash that keeps them unique.
 */
export function caBundleVolumeName(entry: string): string {
  const plain = `ca-bundle-${entry}`;
  if (plain.length <= 63) return plain;
  const hash = createHash("sha256").update(entry).digest("hex").slice(0, 8);
  const prefix = entry.slice(0, 44).replace(/-+$/, "");
  return `ca-bundle-${prefix}-${hash}`;
}

export const caBundleMountDir = (entry: string): string => `${CA_BUNDLE_ROOT}/${entry}`;
export const caBundlePath = (entry: string, key: string | undefined): string =>
  `${caBundleMountDir(entry)}/${key || DEFAULT_CA_BUNDLE_KEY}`;

export {
  bearerTokenEnv,
  envSuffix,
  headerInjectionEnv,
  tokenExchangeSecretEnv,
} from "@vmcp/kube-kit/secret-env";
