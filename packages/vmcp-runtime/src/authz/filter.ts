// Per-caller list filtering: tools/list, prompts/list and resources/list show a caller only what
// the policy lets them call, get or read. Cedar costs tens of microseconds per check, so a
// caller's filtered lists are computed once per aggregate and kept in a bounded LRU.
import { createHash } from "node:crypto";
import type { EntityJson } from "@cedar-policy/cedar-wasm/nodejs";
import type { Identity } from "../auth/identity.ts";
import type { Authorizer } from "./cedar.ts";
import type { Feature } from "./mapping.ts";

/** Distinct callers whose lists are kept per aggregate; beyond it the least recent is recomputed. */
export const MAX_CACHED_CALLERS = 512;

type Named = { name: string; uri?: string };
/** Resources carry a name too, but policy names them by URI. */
const keyOf = (feature: Feature, item: Named) => (feature === "resource" ? (item.uri ?? "") : item.name);

export class ListFilter {
  #authz: Authorizer;
  #bySource = new WeakMap<readonly Named[], Map<string, readonly Named[]>>();

  constructor(authz: Authorizer) {
    this.#authz = authz;
  }

  /** `items` filtered for `identity`; the same array instance for the same source and caller. */
  filter<T extends Named>(
    feature: Feature,
    items: readonly T[],
    identity: Identity,
    principal?: EntityJson,
  ): T[] {
    let byCaller = this.#bySource.get(items);
    if (!byCaller) {
      byCaller = new Map();
      this.#bySource.set(items, byCaller);
    }
    const caller = callerKey(identity);
    const hit = byCaller.get(caller);
    if (hit) {
      byCaller.delete(caller);
      byCaller.set(caller, hit);
      return hit as T[];
    }
    const p = principal ?? this.#authz.principal(identity);
    const out = items.filter(
      (item) => this.#authz.authorizeAs(p, { feature, name: keyOf(feature, item) }).allowed,
    );
    byCaller.set(caller, out);
    if (byCaller.size > MAX_CACHED_CALLERS) byCaller.delete(byCaller.keys().next().value as string);
    return out;
  }
}

/** The token (hashed: tokens can be kilobytes) when there is one: its claims are what policies
 * see, and a new token with new claims must not reuse a decision made for the old one. */
function callerKey(identity: Identity): string {
  if (identity.token) return createHash("sha256").update(identity.token).digest("base64");
  return `${identity.issuer ?? ""}\u0000${identity.subject}`;
}
