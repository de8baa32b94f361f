// Outgoing auth and, in static (inline) mode, the backends[] list.
//
// Both modes convert the default, the inline per-backend overrides and every group member's own
// externalAuthConfigRef, so the user sees a condition per reference. Only static mode writes the
// member results into the config; in dynamic mode the runtime resolves members itself and the
// Role grants it exactly the Secrets those members' configs name.

import { type ConversionResult, convertExternalAuth } from "@vmcp/kube-kit/auth-converter";
import {
  type BackendAuthConfig,
  type BackendAuthStrategy,
  type MCPExternalAuthConfig,
  type OutgoingAuthConfig,
  REMOTE_PROXY_SERVED_TRANSPORT,
  type StaticBackend,
} from "@vmcp/shared-types";
import type { ConditionInput } from "./conditions.ts";
import type { CaBundleMount, SecretEnv } from "./deployment.ts";
import { caBundlePath } from "./names.ts";
import { byName, type VmcpWorld } from "./world.ts";

export interface OutgoingAuthResult {
  outgoingAuth: OutgoingAuthConfig;
  /** Static mode only; sorted by name. */
  backends?: StaticBackend[];
  secretEnv: SecretEnv[];
  /** Secrets the runtime itself reads through the API (dynamic mode). */
  runtimeSecretNames: string[];
  /** CA bundle ConfigMaps the runtime itself reads through the API (dynamic mode). */
  runtimeConfigMapNames: string[];
  /** CA bundles mounted into the pod: static mode only, for the backends it lists. */
  caBundles: CaBundleMount[];
  conditions: ConditionInput[];
  /** Fatal for config generation (e.g. static mode without usable backends). */
  error?: { reason: string; message: string };
}

function convertBackendAuth(
  cfg: BackendAuthConfig,
  authConfigs: ReadonlyMap<string, MCPExternalAuthConfig>,
): ConversionResult {
  // ToolHive's converter maps `discovered` to unauthenticated; its controller path writes the
  // literal "discovered" that the runtime rejects [anchor quirk]. We follow the converter.
  if (cfg.type === "discovered" || !cfg.externalAuthConfigRef) {
    return { ok: true, strategy: { type: "unauthenticated" }, secretEnv: [], secretNames: [] };
  }
  const name = cfg.externalAuthConfigRef.name;
  return convertExternalAuth(name, authConfigs.get(name));
}

const condType = (prefix: string, backend: string): string => `${prefix}-${backend}`.slice(0, 316);

function conversionCondition(type: string, res: ConversionResult, what: string): ConditionInput {
  return res.ok
    ? { type, status: "True", reason: "ConversionSucceeded", message: `${what} is valid` }
    : {
        type,
        status: "False",
        reason: res.reason,
        message: `Failed to convert ${what.toLowerCase()}: ${res.message}`,
      };
}

interface Member {
  name: string;
  kind: "MCPServer" | "MCPRemoteProxy" | "MCPServerEntry";
  authRef?: string;
  url?: string;
  transport?: string;
  entry?: { caBundle?: { configMap: string; key: string }; valid: boolean; headerSecrets: string[] };
}

function members(world: VmcpWorld): Member[] {
  const out: Member[] = [];
  for (const s of [...world.servers].sort(byName)) {
    const transport = s.spec.transport === "stdio" ? s.spec.proxyMode : s.spec.transport;
    out.push({
      name: s.metadata.name ?? "",
      kind: "MCPServer",
      authRef: s.spec.externalAuthConfigRef?.name,
      url: s.status?.url,
      transport,
    });
  }
  for (const p of [...world.proxies].sort(byName)) {
    out.push({
      name: p.metadata.name ?? "",
      kind: "MCPRemoteProxy",
      authRef: p.spec.externalAuthConfigRef?.name,
      url: p.status?.url,
      // spec.transport is the proxy's own link to the remote; the proxy pod serves Streamable HTTP.
      transport: REMOTE_PROXY_SERVED_TRANSPORT,
    });
  }
  for (const e of [...world.entries].sort(byName)) {
    const ca = e.spec.caBundleRef?.configMapRef;
    out.push({
      name: e.metadata.name ?? "",
      kind: "MCPServerEntry",
      authRef: e.spec.externalAuthConfigRef?.name,
      url: e.spec.remoteUrl,
      transport: e.spec.transport,
      entry: {
        valid: e.status?.phase === "Valid",
        headerSecrets: (e.spec.headerForward?.addHeadersFromSecret ?? []).map((h) => h.valueSecretRef.name),
        ...(ca ? { caBundle: { configMap: ca.name, key: ca.key || "ca.crt" } } : {}),
      },
    });
  }
  return out;
}

const sortedUnique = (xs: string[]): string[] => [...new Set(xs)].sort();

export function buildOutgoingAuth(world: VmcpWorld): OutgoingAuthResult {
  const spec = world.vmcp.spec.outgoingAuth;
  const source = spec?.source ?? "discovered";
  const conditions: ConditionInput[] = [];
  const secretEnv: SecretEnv[] = [];
  const runtimeSecretNames: string[] = [];
  const runtimeConfigMapNames: string[] = [];
  const caBundles: CaBundleMount[] = [];

  const outgoing: OutgoingAuthConfig = { source };
  let error: OutgoingAuthResult["error"];

  if (spec?.default) {
    const res = convertBackendAuth(spec.default, world.authConfigs);
    conditions.push(conversionCondition("DefaultAuthConfig", res, "Default auth config"));
    if (res.ok) {
      outgoing.default = res.strategy;
      secretEnv.push(...res.secretEnv);
    } else {
      error = { reason: "DefaultAuthConfigInvalid", message: `default outgoing auth: ${res.message}` };
    }
  }

  const overrides = new Map<string, BackendAuthStrategy>();
  const overrideEnv = new Map<string, SecretEnv[]>();
  for (const [backend, cfg] of Object.entries(spec?.backends ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const res = convertBackendAuth(cfg, world.authConfigs);
    conditions.push(conversionCondition(condType("BackendAuthConfig", backend), res, "Backend auth config"));
    if (res.ok) {
      overrides.set(backend, res.strategy);
      overrideEnv.set(backend, res.secretEnv);
    }
  }

  const all = members(world);
  const discovered = new Map<string, ConversionResult>();
  for (const m of all) {
    if (!m.authRef) continue;
    const res = convertExternalAuth(m.authRef, world.authConfigs.get(m.authRef));
    discovered.set(m.name, res);
    conditions.push(
      conversionCondition(condType("DiscoveredAuthConfig", m.name), res, "Discovered auth config"),
    );
  }

  if (source === "discovered") {
    const backends: Record<string, BackendAuthStrategy> = {};
    for (const [name, strategy] of overrides) {
      backends[name] = strategy;
      secretEnv.push(...(overrideEnv.get(name) ?? []));
    }
    if (Object.keys(backends).length > 0) outgoing.backends = backends;
    for (const m of all) {
      const res = discovered.get(m.name);
      if (res?.ok) runtimeSecretNames.push(...res.secretNames);
      if (m.entry) runtimeSecretNames.push(...m.entry.headerSecrets);
      if (m.entry?.caBundle) runtimeConfigMapNames.push(m.entry.caBundle.configMap);
    }
    // No CA volumes: the runtime reads the bundles through the API, so adding or removing an
    // entry changes its Role, never the pod template (which would roll every pod).
    return {
      outgoingAuth: outgoing,
      secretEnv,
      runtimeSecretNames: sortedUnique(runtimeSecretNames),
      runtimeConfigMapNames: sortedUnique(runtimeConfigMapNames),
      caBundles: [],
      conditions,
      ...(error ? { error } : {}),
    };
  }

  // Static mode: the operator is the discoverer.
  const backends: StaticBackend[] = [];
  const authByBackend: Record<string, BackendAuthStrategy> = {};
  const taken = new Set<string>();
  for (const m of all) {
    if (m.entry && !m.entry.valid) continue;
    if (!m.url || (m.transport !== "sse" && m.transport !== "streamable-http")) continue;
    if (taken.has(m.name)) {
      conditions.push({
        type: condType("BackendAuthConfig", m.name),
        status: "False",
        reason: "DuplicateBackendName",
        message: `${m.kind} ${m.name}: another group member already uses this backend name; left out`,
      });
      continue;
    }
    const override = overrides.get(m.name);
    const disc = discovered.get(m.name);
    if (override) {
      authByBackend[m.name] = override;
      secretEnv.push(...(overrideEnv.get(m.name) ?? []));
    } else if (disc) {
      if (!disc.ok) continue; // fail closed: the DiscoveredAuthConfig-<name> condition says why
      authByBackend[m.name] = disc.strategy;
      secretEnv.push(...disc.secretEnv);
    } else if (spec?.backends?.[m.name]) {
      continue; // an inline override that failed to convert, and nothing to fall back to
    }
    taken.add(m.name);
    const b: StaticBackend = { name: m.name, url: m.url, transport: m.transport };
    if (m.entry) {
      b.type = "entry";
      if (m.entry.caBundle) {
        b.caBundlePath = caBundlePath(m.name, m.entry.caBundle.key);
        caBundles.push({ entry: m.name, configMap: m.entry.caBundle.configMap, key: m.entry.caBundle.key });
      }
    }
    backends.push(b);
  }
  backends.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (Object.keys(authByBackend).length > 0) outgoing.backends = authByBackend;
  if (!error && backends.length === 0) {
    error = {
      reason: "NoStaticBackends",
      message: `static mode requires at least one backend with valid transport (sse, streamable-http), but none were discovered in group ${world.vmcp.spec.groupRef.name}`,
    };
  }
  return {
    outgoingAuth: outgoing,
    backends,
    secretEnv,
    runtimeSecretNames: [],
    runtimeConfigMapNames: [],
    caBundles,
    conditions,
    ...(error ? { error } : {}),
  };
}
