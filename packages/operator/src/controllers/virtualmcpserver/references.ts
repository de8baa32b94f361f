// What a VirtualMCPServer or a group member refers to, read defensively from raw objects (the
// VirtualMCPServer cache holds objects verbatim so an invalid spec can still be reported on).
// Index values are "<namespace>/<name>": references never cross namespaces.

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);
const refName = (v: unknown): string | undefined => str(obj(v)?.name);

export interface RawLike {
  metadata?: { name?: string; namespace?: string };
  spec?: unknown;
}

const nsKey = (o: RawLike, name: string | undefined): string[] =>
  name ? [`${o.metadata?.namespace ?? ""}/${name}`] : [];
const uniq = (xs: string[]): string[] => [...new Set(xs)];

/** spec.groupRef.name of a VirtualMCPServer or any group member. */
export function groupRefKeys(o: RawLike): string[] {
  return nsKey(o, refName(obj(o.spec)?.groupRef));
}

/** MCPExternalAuthConfigs named in spec.outgoingAuth (default and per-backend overrides). */
export function vmcpAuthConfigKeys(o: RawLike): string[] {
  const out = obj(obj(o.spec)?.outgoingAuth);
  const refs = [refName(obj(out?.default)?.externalAuthConfigRef)];
  for (const b of Object.values(obj(out?.backends) ?? {})) refs.push(refName(obj(b)?.externalAuthConfigRef));
  return uniq(refs.flatMap((r) => nsKey(o, r)));
}

/** MCPToolConfigs named in spec.config.aggregation.tools[].toolConfigRef. */
export function vmcpToolConfigKeys(o: RawLike): string[] {
  const tools = obj(obj(obj(o.spec)?.config)?.aggregation)?.tools;
  if (!Array.isArray(tools)) return [];
  return uniq(tools.flatMap((t) => nsKey(o, refName(obj(t)?.toolConfigRef))));
}

/** VirtualMCPCompositeToolDefinitions named in spec.config.compositeToolRefs. */
export function vmcpCompositeKeys(o: RawLike): string[] {
  const refs = obj(obj(o.spec)?.config)?.compositeToolRefs;
  if (!Array.isArray(refs)) return [];
  return uniq(refs.flatMap((r) => nsKey(o, refName(r))));
}

/** spec.externalAuthConfigRef of a group member. */
export function memberAuthConfigKeys(o: RawLike): string[] {
  return nsKey(o, refName(obj(o.spec)?.externalAuthConfigRef));
}

/** spec.caBundleRef.configMapRef of an MCPServerEntry. */
export function entryCaBundleKeys(o: RawLike): string[] {
  return nsKey(o, refName(obj(obj(o.spec)?.caBundleRef)?.configMapRef));
}

/** spec.incomingAuth.authzConfigRef (MCPAuthzConfig). */
export function vmcpAuthzConfigKeys(o: RawLike): string[] {
  return nsKey(o, refName(obj(obj(o.spec)?.incomingAuth)?.authzConfigRef));
}

/** The ConfigMap of spec.incomingAuth.authzConfig when its type is configMap. */
export function vmcpAuthzConfigMapKeys(o: RawLike): string[] {
  return nsKey(o, refName(obj(obj(obj(o.spec)?.incomingAuth)?.authzConfig)?.configMap));
}

/** spec.incomingAuth.oidcConfigRef (MCPOIDCConfig). */
export function vmcpOidcConfigKeys(o: RawLike): string[] {
  return nsKey(o, refName(obj(obj(o.spec)?.incomingAuth)?.oidcConfigRef));
}

/** spec.telemetryConfigRef (MCPTelemetryConfig). */
export function vmcpTelemetryConfigKeys(o: RawLike): string[] {
  return nsKey(o, refName(obj(o.spec)?.telemetryConfigRef));
}

export const VMCP_INDEX = {
  group: "vmcp:groupRef",
  authzConfig: "vmcp:authzConfigRef",
  authzConfigMap: "vmcp:authzConfigMap",
  oidcConfig: "vmcp:oidcConfigRef",
  telemetryConfig: "vmcp:telemetryConfigRef",
  authConfig: "vmcp:authConfigRef",
  toolConfig: "vmcp:toolConfigRef",
  composite: "vmcp:compositeToolRef",
} as const;

export const MEMBER_INDEX = {
  group: "vmcp:member-groupRef",
  authConfig: "vmcp:member-authConfigRef",
  caBundle: "vmcp:entry-caBundleRef",
} as const;
