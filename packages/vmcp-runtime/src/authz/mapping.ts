// How an MCP request becomes a Cedar request, following ToolHive's mapping so its policies work
// unchanged: principal Client::"<sub>" with the token's claims as claim_<name> attributes and the
// caller's groups/roles as parents; Action::"call_tool" | "get_prompt" | "read_resource" on
// Tool::"<name>" | Prompt::"<name>" | Resource::"<uri, sanitized>"; the context carries the claims
// and the scalar arguments (arg_<name>). Pure functions: no Cedar engine here.
import type { CedarValueJson, EntityJson, EntityUidJson } from "@cedar-policy/cedar-wasm/nodejs";
import { DEFAULT_GROUP_CLAIMS, DEFAULT_GROUP_ENTITY_TYPE } from "@vmcp/shared-types";
import type { Identity } from "../auth/identity.ts";

export type Feature = "tool" | "prompt" | "resource";

export const ACTIONS: Record<Feature, string> = {
  tool: "call_tool",
  prompt: "get_prompt",
  resource: "read_resource",
};
const RESOURCE_TYPES: Record<Feature, string> = { tool: "Tool", prompt: "Prompt", resource: "Resource" };
const OPERATIONS: Record<Feature, string> = { tool: "call", prompt: "get", resource: "read" };

export interface ClaimSettings {
  groupClaimName?: string | undefined;
  roleClaimName?: string | undefined;
  groupEntityType?: string | undefined;
}

/** What the caller wants to do, as far as policy is concerned. */
export interface Target {
  feature: Feature;
  /** Tool or prompt name as the client sees it, or the resource URI. */
  name: string;
  arguments?: Record<string, unknown> | undefined;
}

export interface CedarRequest {
  principal: EntityUidJson;
  action: EntityUidJson;
  resource: EntityUidJson;
  context: Record<string, CedarValueJson>;
  /** The principal, action and resource entities of this request (policy entities come on top). */
  entities: EntityJson[];
}

/** Cedar entity ids may hold any string, but ToolHive replaces these characters in resource URIs
 * and its users' policies are written against the replaced form. */
export function sanitizeUri(uri: string): string {
  return uri.replace(/[:/\\?&=# .]/g, "_");
}

/** A JSON value as a Cedar value; undefined for what Cedar cannot hold (objects in claims,
 * non-integral numbers, null). */
function cedarValue(v: unknown, depth = 0): CedarValueJson | undefined {
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isSafeInteger(v) ? v : undefined;
  if (Array.isArray(v) && depth === 0) {
    const out: CedarValueJson[] = [];
    for (const item of v) {
      const c = cedarValue(item, 1);
      if (c !== undefined) out.push(c);
    }
    return out;
  }
  return undefined;
}

/** Attribute names to keep; undefined keeps all. */
export type Only = ReadonlySet<string> | undefined;

function prefixed(
  prefix: string,
  src: Record<string, unknown>,
  out: Record<string, CedarValueJson>,
  only: Only,
) {
  for (const [k, v] of Object.entries(src)) {
    const key = `${prefix}${k}`;
    if (only && !only.has(key)) continue;
    const c = cedarValue(v);
    if (c !== undefined) out[key] = c;
  }
}

function claimValues(claims: Record<string, unknown>, name: string | undefined): string[] {
  if (!name) return [];
  const v = claims[name];
  if (typeof v === "string") return v === "" ? [] : v.split(/\s+/).filter(Boolean);
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  return [];
}

/** The principal entity: built once per identity and reused for every check of that caller. */
export function principalEntity(identity: Identity, s: ClaimSettings, only?: Only): EntityJson {
  const attrs: Record<string, CedarValueJson> = {};
  prefixed("claim_", identity.claims, attrs, only);
  const parentType = s.groupEntityType || DEFAULT_GROUP_ENTITY_TYPE;
  const groupClaim = s.groupClaimName || DEFAULT_GROUP_CLAIMS.find((c) => identity.claims[c] !== undefined);
  const ids = new Set([
    ...claimValues(identity.claims, groupClaim),
    ...claimValues(identity.claims, s.roleClaimName),
  ]);
  return {
    uid: { type: "Client", id: identity.subject },
    attrs,
    parents: [...ids].map((id) => ({ type: parentType, id })),
  };
}

/** Arguments in the context: scalars by value, anything else only as present (ToolHive does the
 * same), so a policy can require or forbid an argument without seeing a structure. */
export function argumentContext(
  args: Record<string, unknown> | undefined,
  out: Record<string, CedarValueJson>,
  only?: Only,
) {
  if (!args) return;
  for (const [k, v] of Object.entries(args)) {
    const c = typeof v === "object" && v !== null ? undefined : cedarValue(v);
    if (c !== undefined) {
      if (!only || only.has(`arg_${k}`)) out[`arg_${k}`] = c;
    } else if (v !== null && v !== undefined && (!only || only.has(`arg_${k}_present`))) {
      out[`arg_${k}_present`] = true;
    }
  }
}

export function cedarRequest(principal: EntityJson, t: Target, onlyArgs?: Only): CedarRequest {
  const action = ACTIONS[t.feature];
  const resourceId = t.feature === "resource" ? sanitizeUri(t.name) : t.name;
  const resource: EntityUidJson = { type: RESOURCE_TYPES[t.feature], id: resourceId };
  const context: Record<string, CedarValueJson> = { ...principal.attrs };
  argumentContext(t.arguments, context, onlyArgs);
  const resourceAttrs: Record<string, CedarValueJson> = {
    name: resourceId,
    operation: OPERATIONS[t.feature],
    feature: t.feature,
  };
  if (t.feature === "resource") resourceAttrs.uri = t.name;
  argumentContext(t.arguments, resourceAttrs, onlyArgs);
  return {
    principal: principal.uid,
    action: { type: "Action", id: action },
    resource,
    context,
    entities: [
      principal,
      { uid: { type: "Action", id: action }, attrs: { operation: action }, parents: [] },
      { uid: resource, attrs: resourceAttrs, parents: [] },
    ],
  };
}
