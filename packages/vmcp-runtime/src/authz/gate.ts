// The authorization call gate: which MCP requests need a decision, and the error a denied caller
// gets. A denied request never reaches a backend.

import type { AggregateView } from "../aggregation/types.ts";
import type { Identity } from "../auth/identity.ts";
import { isObject, type JsonObject } from "../protocol/jsonrpc.ts";
import type { Authorizer, Decision } from "./cedar.ts";
import type { Target } from "./mapping.ts";

/** JSON-RPC error code of a denial; ToolHive uses 403 too, so clients written for it still match. */
export const AUTHZ_DENIED_CODE = 403;

/** The policy target of a request, or undefined when the method is not gated (lists are
 * filtered instead; ping, initialize and notifications concern the session only). */
export function targetOf(method: string, params: JsonObject | undefined): Target | undefined {
  const args = isObject(params?.arguments) ? params.arguments : undefined;
  switch (method) {
    case "tools/call":
      return { feature: "tool", name: String(params?.name ?? ""), arguments: args };
    case "prompts/get":
      return { feature: "prompt", name: String(params?.name ?? ""), arguments: args };
    case "resources/read":
    case "resources/subscribe":
    case "resources/unsubscribe":
      return { feature: "resource", name: String(params?.uri ?? "") };
    case "completion/complete": {
      const ref = isObject(params?.ref) ? params.ref : undefined;
      if (ref?.type === "ref/prompt") return { feature: "prompt", name: String(ref.name ?? "") };
      if (ref?.type === "ref/resource") return { feature: "resource", name: String(ref.uri ?? "") };
      return undefined;
    }
    default:
      return undefined;
  }
}

const WHAT = { tool: "tool", prompt: "prompt", resource: "resource" } as const;

export function denialMessage(method: string, target: Target, identity: Identity): string {
  return `${method} denied by authorization policy: ${WHAT[target.feature]} "${target.name}" is not permitted for "${identity.subject}"`;
}

export interface GateResult {
  target: Target;
  decision: Decision;
}

export function gate(
  authz: Authorizer,
  identity: Identity,
  method: string,
  params: JsonObject | undefined,
): GateResult | undefined {
  const target = targetOf(method, params);
  if (!target) return undefined;
  return { target, decision: authz.authorize(identity, target) };
}

type Route = { backend: string; name: string };
const advertisedByRoute = new WeakMap<AggregateView, Map<string, string>>();
const routeKey = (r: Route) => `${r.backend}\u0000${r.name}`;

/** The name a tool is advertised under, or `<workload>.<tool>` for one the gateway hides: the name
 * a policy would use for it. */
export function policyToolName(view: AggregateView, route: Route): string {
  let byRoute = advertisedByRoute.get(view);
  if (!byRoute) {
    byRoute = new Map();
    for (const [advertised, r] of view.toolRoutes) byRoute.set(routeKey(r), advertised);
    advertisedByRoute.set(view, byRoute);
  }
  return byRoute.get(routeKey(route)) ?? `${route.backend}.${route.name}`;
}

/** A composite tool's step runs with the caller's rights: a workflow is not a way around policy. */
export function stepDenial(
  authz: Authorizer,
  identity: Identity,
  view: AggregateView,
  ref: string,
  route: Route,
  args: Record<string, unknown>,
): string | undefined {
  const name = policyToolName(view, route);
  const decision = authz.authorize(identity, { feature: "tool", name, arguments: args });
  if (decision.allowed) return undefined;
  return `step tool "${ref}" (${name}) denied by authorization policy for "${identity.subject}"`;
}
