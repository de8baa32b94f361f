// MCPRemoteProxy -> the runtime image in single-backend mode in front of spec.remoteUrl: a static
// config.yaml with one backend (bare tool names: priority resolution), the proxy's incoming OIDC,
// its outgoing auth and fixed headers for the remote, a Deployment that runs `vmcp serve` without
// Kubernetes mode (no API token; secrets as secretKeyRef env vars), and Service
// mcp-<name>-remote-proxy.
import { createHash } from "node:crypto";
import type { V1ConfigMap, V1Deployment, V1Service } from "@kubernetes/client-node";
import { convertExternalAuth } from "@vmcp/kube-kit/auth-converter";
import { headerForwardEnv } from "@vmcp/kube-kit/secret-env";
import {
  type BackendHeader,
  headerForwardRefusal,
  type MCPExternalAuthConfig,
  type MCPOIDCConfig,
  type MCPRemoteProxy,
  type StaticBackend,
  type VmcpConfigInput,
} from "@vmcp/shared-types";
import { configHash } from "../../kit/hash.ts";
import type { ConditionInput } from "../conditions.ts";
import {
  type CaBundleMount,
  caBundleVolumes,
  runtimeServeArgs,
  type SecretEnv,
  secretEnvVars,
} from "../deployment.ts";
import type { McpServerRefusal } from "../mcpserver/status.ts";
import {
  CONFIG_KEY,
  CONFIG_MOUNT_DIR,
  CONTENT_CHECKSUM_ANNOTATION,
  caBundlePath,
  VMCP_PORT,
} from "../names.ts";
import { resolveOidc } from "../oidc.ts";
import { controllerRef, type OwnerInfo } from "../owner.ts";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../security-context.ts";
import { deterministicYaml } from "../yaml.ts";

export const remoteProxyServiceName = (proxy: string): string => `mcp-${proxy}-remote-proxy`;
export const remoteProxyDeploymentName = (proxy: string): string => `${proxy}-remote-proxy`;
/** The directory of spec.caBundleRef under the CA bundle root; the OIDC issuer's is `oidc-<config>`. */
export const REMOTE_CA_BUNDLE_DIR = "remote";
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

/** The MCPOIDCConfigs and MCPExternalAuthConfigs of the proxy's namespace, by name. */
export interface RemoteProxyRefs {
  oidcConfigs: ReadonlyMap<string, MCPOIDCConfig>;
  authConfigs: ReadonlyMap<string, MCPExternalAuthConfig>;
}

/** Everything the proxy's objects and status are built from, resolved once per reconcile. */
export interface RemoteProxyPlan {
  config: VmcpConfigInput;
  /** Env vars filled from Secrets: the OIDC client secret, outgoing auth, header values. */
  secretEnv: SecretEnv[];
  /** spec.caBundleRef (the remote's CA) and the MCPOIDCConfig's, each mounted from its ConfigMap. */
  caBundles: CaBundleMount[];
  conditions: ConditionInput[];
  hashes: { oidcConfigHash?: string; externalAuthConfigHash?: string };
  /** Set when nothing may be deployed; the last good objects stay as they are. */
  refusal?: McpServerRefusal;
}

const refuse = (reason: string, message: string): McpServerRefusal => ({ type: "Valid", reason, message });

/** spec.headerForward -> the backend's fixed headers; values from Secrets become env vars. */
function planHeaders(
  hf: MCPRemoteProxy["spec"]["headerForward"],
): { headers: BackendHeader[]; secretEnv: SecretEnv[] } | { error: string } {
  const headers: BackendHeader[] = [];
  const secretEnv: SecretEnv[] = [];
  const seen = new Map<string, string>();
  const check = (name: string): string | undefined => {
    const why = headerForwardRefusal(name);
    if (why) return `headerForward: ${name} cannot be added to requests to the remote: ${why}`;
    // Two spellings of one header, or two names that map to one env var (X-A, X_A).
    const key = headerForwardEnv(name);
    const other = seen.get(key);
    if (other !== undefined) return `headerForward: ${name} and ${other} name the same header`;
    seen.set(key, name);
    return undefined;
  };
  for (const [name, value] of Object.entries(hf?.addPlaintextHeaders ?? {}).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  )) {
    const err = check(name);
    if (err) return { error: err };
    if (/[\r\n]/.test(value)) return { error: `headerForward: the value of ${name} contains a line break` };
    headers.push({ name, value });
  }
  for (const h of hf?.addHeadersFromSecret ?? []) {
    const err = check(h.headerName);
    if (err) return { error: err };
    const env = headerForwardEnv(h.headerName);
    headers.push({ name: h.headerName, valueEnv: env });
    secretEnv.push({ env, secretName: h.valueSecretRef.name, key: h.valueSecretRef.key });
  }
  return { headers, secretEnv };
}

export function planRemoteProxy(
  proxy: MCPRemoteProxy,
  refs: RemoteProxyRefs,
  opts: { allowLoopback?: boolean | undefined } = {},
): RemoteProxyPlan {
  const name = proxy.metadata.name ?? "";
  const spec = proxy.spec;
  const conditions: ConditionInput[] = [];
  const secretEnv: SecretEnv[] = [];
  const caBundles: CaBundleMount[] = [];
  const hashes: RemoteProxyPlan["hashes"] = {};
  let refusal: McpServerRefusal | undefined;

  const backend: StaticBackend = { name, url: spec.remoteUrl, transport: spec.transport };
  const remoteCa = spec.caBundleRef?.configMapRef;
  if (remoteCa) {
    // type entry: in the runtime config a backend dialled at its own URL (not a ToolHive proxy),
    // the only kind that may carry caBundlePath; the remote of a proxy is exactly that.
    backend.type = "entry";
    backend.caBundlePath = caBundlePath(REMOTE_CA_BUNDLE_DIR, remoteCa.key);
    caBundles.push({ entry: REMOTE_CA_BUNDLE_DIR, configMap: remoteCa.name, key: remoteCa.key });
  }
  // The runtime's dial-time address policy (its POLICY_METADATA keys): remoteUrl is a URL the user
  // chose, so the address actually connected to is checked, as for an MCPServerEntry.
  backend.metadata = {
    address_policy: "true",
    allow_private_endpoint: String(spec.allowPrivateEndpoint === true),
    allow_loopback: String(opts.allowLoopback === true),
  };
  const config: VmcpConfigInput = {
    name,
    groupRef: name,
    backends: [backend],
    incomingAuth: { type: "anonymous" },
    aggregation: { conflictResolution: "priority", conflictResolutionConfig: { priorityOrder: [name] } },
  };

  if (spec.trustProxyHeaders)
    refusal = refuse(
      "Unsupported",
      "trustProxyHeaders: not implemented: the proxy builds its URLs from VMCP_PUBLIC_URL and never trusts X-Forwarded-* headers; leave it false",
    );
  const hp = planHeaders(spec.headerForward);
  if ("error" in hp) refusal ??= refuse("HeaderForwardInvalid", hp.error);
  else if (hp.headers.length > 0) {
    backend.headers = hp.headers;
    secretEnv.push(...hp.secretEnv);
  }

  if (spec.oidcConfigRef) {
    const o = resolveOidc(spec.oidcConfigRef, refs.oidcConfigs);
    conditions.push(...o.conditions);
    if (o.ok) {
      config.incomingAuth = { type: "oidc", oidc: o.oidc };
      secretEnv.push(...o.secretEnv);
      caBundles.push(...o.caBundles);
      hashes.oidcConfigHash = o.hash;
      conditions.push({
        type: "AuthConfigured",
        status: "True",
        reason: "AuthValid",
        message: `Incoming OIDC from MCPOIDCConfig ${spec.oidcConfigRef.name}`,
      });
    } else refusal ??= refuse(o.reason, o.message);
  }

  const authRef = spec.externalAuthConfigRef?.name;
  if (authRef) {
    const cfg = refs.authConfigs.get(authRef);
    const res = convertExternalAuth(authRef, cfg);
    const problem = !res.ok
      ? res.message
      : res.strategy.type === "token_exchange" && !spec.oidcConfigRef
        ? `MCPExternalAuthConfig ${authRef}: token exchange needs the caller's validated token; set oidcConfigRef`
        : undefined;
    conditions.push(
      problem
        ? {
            type: "ExternalAuthConfigValidated",
            status: "False",
            reason: res.ok ? "TokenExchangeNeedsOIDC" : res.reason,
            message: problem,
          }
        : {
            type: "ExternalAuthConfigValidated",
            status: "True",
            reason: "ExternalAuthConfigValid",
            message: `MCPExternalAuthConfig ${authRef} is valid`,
          },
    );
    if (problem) refusal ??= refuse("ExternalAuthConfigInvalid", problem);
    else if (res.ok) {
      config.outgoingAuth = { source: "inline", backends: { [name]: res.strategy } };
      secretEnv.push(...res.secretEnv);
      if (cfg) hashes.externalAuthConfigHash = configHash(cfg.spec);
    }
  }
  return { config, secretEnv, caBundles, conditions, hashes, ...(refusal ? { refusal } : {}) };
}

export interface RemoteProxyInput {
  proxy: MCPRemoteProxy;
  owner: OwnerInfo;
  image: string;
  plan: RemoteProxyPlan;
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
    data: { [CONFIG_KEY]: deterministicYaml(input.plan.config) },
  };
}

export function buildRemoteProxyDeployment(input: RemoteProxyInput): V1Deployment {
  const { proxy, owner } = input;
  const name = proxy.metadata.name ?? "";
  const labels = remoteProxyLabels(name);
  const yaml = deterministicYaml(input.plan.config);
  const checksum = createHash("sha256").update(yaml).digest("hex");
  const r = proxy.spec.resources;
  const ca = caBundleVolumes(input.plan.caBundles);
  const env = secretEnvVars(input.plan.secretEnv);
  if (proxy.spec.oidcConfigRef) {
    // The protected-resource metadata and WWW-Authenticate name the Service URL clients dial.
    const url = remoteProxyUrl(name, proxy.metadata.namespace ?? "", proxy.spec.proxyPort);
    env.unshift({ name: "VMCP_PUBLIC_URL", value: url.replace(/\/mcp$/, "") });
  }
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
              ...(env.length > 0 ? { env } : {}),
              volumeMounts: [
                { name: "config", mountPath: CONFIG_MOUNT_DIR, readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
                ...ca.mounts,
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
            ...ca.volumes,
          ],
        },
      },
    },
  };
}

/** proxyPort -> the runtime's 4483; sessionAffinity ClientIP by default (ToolHive's). */
export function buildRemoteProxyService(input: Pick<RemoteProxyInput, "proxy" | "owner">): V1Service {
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
