import { createHash } from "node:crypto";
import { convertExternalAuth } from "@vmcp/kube-kit/auth-converter";
import {
  type BackendAuthStrategy,
  type MCPExternalAuthConfig,
  type MCPRemoteProxy,
  type MCPServer,
  type MCPServerEntry,
  parseDuration,
  REMOTE_PROXY_SERVED_TRANSPORT,
  type VmcpConfig,
} from "@vmcp/shared-types";
import { POLICY_METADATA } from "../backends/address-policy.ts";
import { envSecretKey, type ResolvedSecrets } from "../config/load.ts";
import type { BackendSpec, BackendTransport } from "../registry/types.ts";

export const DEFAULT_CA_KEY = "ca.crt";

/** A group member as the runtime sees it, before auth and CA bundle are resolved. */
export interface Workload {
  name: string;
  kind: "MCPServer" | "MCPRemoteProxy" | "MCPServerEntry";
  url: string;
  transport: BackendTransport;
  authConfigRef: string | undefined;
  caBundle: { configMap: string; key: string } | undefined;
  /** MCPServerEntry only: spec.allowPrivateEndpoint. */
  allowPrivateEndpoint?: boolean;
}

/** Which group members become backends, with which URL and transport. undefined = skip
 * silently (not in the group, no URL yet, entry not Valid). */
export function serverWorkload(s: MCPServer, group: string): Workload | undefined {
  if (s.spec.groupRef?.name !== group) return undefined;
  const url = s.status?.url;
  if (!url) return undefined;
  const transport: BackendTransport =
    s.spec.transport === "stdio" ? (s.spec.proxyMode ?? "streamable-http") : s.spec.transport;
  return {
    name: s.metadata.name ?? "",
    kind: "MCPServer",
    url,
    transport,
    authConfigRef: s.spec.externalAuthConfigRef?.name,
    caBundle: undefined,
  };
}

export function proxyWorkload(p: MCPRemoteProxy, group: string): Workload | undefined {
  if (p.spec.groupRef?.name !== group) return undefined;
  const url = p.status?.url;
  if (!url) return undefined;
  return {
    name: p.metadata.name ?? "",
    kind: "MCPRemoteProxy",
    url,
    // spec.transport is the proxy's own link to the remote; the proxy pod serves Streamable HTTP.
    transport: REMOTE_PROXY_SERVED_TRANSPORT,
    authConfigRef: p.spec.externalAuthConfigRef?.name,
    caBundle: undefined,
  };
}

export function entryWorkload(e: MCPServerEntry, group: string): Workload | undefined {
  if (e.spec.groupRef.name !== group) return undefined;
  // The entry controller validated references and URL; the runtime only routes Valid entries.
  if (e.status?.phase !== "Valid") return undefined;
  try {
    const u = new URL(e.spec.remoteUrl);
    if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
  } catch {
    return undefined;
  }
  const cm = e.spec.caBundleRef?.configMapRef;
  return {
    name: e.metadata.name ?? "",
    kind: "MCPServerEntry",
    url: e.spec.remoteUrl,
    transport: e.spec.transport,
    authConfigRef: e.spec.externalAuthConfigRef?.name,
    caBundle: cm ? { configMap: cm.name, key: cm.key || DEFAULT_CA_KEY } : undefined,
    allowPrivateEndpoint: e.spec.allowPrivateEndpoint === true,
  };
}

/** Workloads of all three kinds, one per name (a name used by two kinds keeps the first: servers,
 * then proxies, then entries, as ToolHive lists them). */
export function collectWorkloads(
  group: string,
  servers: MCPServer[],
  proxies: MCPRemoteProxy[],
  entries: MCPServerEntry[],
): Workload[] {
  const out = new Map<string, Workload>();
  const add = (w: Workload | undefined) => {
    if (w?.name && !out.has(w.name)) out.set(w.name, w);
  };
  for (const s of servers) add(serverWorkload(s, group));
  for (const p of proxies) add(proxyWorkload(p, group));
  for (const e of entries) add(entryWorkload(e, group));
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface SecretRef {
  secretName: string;
  key: string;
  env: string;
}

export type AuthPlan =
  | { ok: true; strategy: BackendAuthStrategy; secrets: SecretRef[] }
  | { ok: false; message: string };

/** MCPExternalAuthConfig -> strategy whose secret fields name placeholders (`*Env`) that the
 * runtime fills from Secrets it reads by name. Same converter as the operator's static mode. */
export function planAuth(ref: string, cfg: MCPExternalAuthConfig | undefined): AuthPlan {
  const r = convertExternalAuth(ref, cfg);
  if (!r.ok) return { ok: false, message: r.message };
  return {
    ok: true,
    strategy: r.strategy,
    secrets: r.secretEnv.map((s) => ({ secretName: s.secretName, key: s.key, env: s.env })),
  };
}

/** Placeholder values read from Secrets, in the shape createOutgoingAuth looks them up. */
export function secretsMap(values: Array<{ env: string; value: string }>): ResolvedSecrets {
  return new Map(values.map((v) => [envSecretKey(v.env), v.value]));
}

/** Changes whenever the backend's credentials change, so the registry sees an update and the
 * catalog rebuilds the backend's clients with the new auth. Never reveals the values. */
export function authFingerprint(strategy: BackendAuthStrategy | undefined, secrets: ResolvedSecrets): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(strategy ?? null));
  for (const [k, v] of [...secrets].sort(([a], [b]) => (a < b ? -1 : 1))) h.update(`\0${k}\0${v}`);
  return h.digest("hex").slice(0, 16);
}

export function backendSpec(
  w: Workload,
  config: VmcpConfig,
  auth: { type: string; fingerprint: string },
  caBundleData: string | undefined,
  net: { allowLoopback: boolean } = { allowLoopback: false },
): BackendSpec {
  const timeouts = config.operational.timeouts;
  const per = timeouts.perWorkload?.[w.name];
  const metadata: Record<string, string> = {
    workload_type: w.kind,
    auth_fingerprint: auth.fingerprint,
  };
  if (w.authConfigRef) metadata.auth_config_ref = w.authConfigRef;
  // An entry's URL is the user's choice: the addresses it resolves to are checked when dialled.
  if (w.kind === "MCPServerEntry") {
    metadata[POLICY_METADATA.enforce] = "true";
    metadata[POLICY_METADATA.allowPrivate] = String(w.allowPrivateEndpoint === true);
    metadata[POLICY_METADATA.allowLoopback] = String(net.allowLoopback);
  }
  const spec: BackendSpec = {
    name: w.name,
    url: w.url,
    transport: w.transport,
    timeoutMs: parseDuration(per ?? timeouts.default),
    authType: auth.type,
    metadata,
  };
  if (caBundleData) spec.caBundleData = caBundleData;
  return spec;
}
