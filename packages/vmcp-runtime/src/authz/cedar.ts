// The Cedar engine (the official Rust implementation compiled to WebAssembly) behind a small
// interface: load a policy set once, then answer allow/deny per request.
import { randomUUID } from "node:crypto";
import type * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import {
  cedarEngine,
  cedarProblems,
  formatCedarErrors,
  formatPolicyProblems,
  type PolicyProblem,
  parseEntities,
  policyId,
  type RuntimeAuthzConfig,
} from "@vmcp/shared-types";
import type { Identity } from "../auth/identity.ts";
import {
  argumentContext,
  type CedarRequest,
  type ClaimSettings,
  cedarRequest,
  principalEntity,
  type Target,
} from "./mapping.ts";
import { referencedAttributes } from "./policy-refs.ts";

/** Callers whose decisions are kept, and decisions kept per caller (LRU both). */
export const MAX_CACHED_DECISION_CALLERS = 1024;
export const MAX_CACHED_DECISIONS_PER_CALLER = 256;
/** A decision whose cache key (tool name plus the arguments policies read) is longer is not kept. */
const MAX_DECISION_KEY_CHARS = 1024;

export interface Decision {
  allowed: boolean;
  /** Ids of the policies that decided (policy0, policy1, ... in list order). */
  reasons: string[];
  /** Evaluation errors: Cedar denies when a policy errors, and says why here. */
  errors: string[];
}

export interface Authorizer {
  authorize(identity: Identity, target: Target): Decision;
  /** The principal entity for `identity`, cached by the caller across checks of one request. */
  principal(identity: Identity): cedar.EntityJson;
  authorizeAs(principal: cedar.EntityJson, target: Target): Decision;
}

export class InvalidPolicyError extends Error {
  readonly problems: PolicyProblem[];
  constructor(problems: PolicyProblem[]) {
    super(`invalid Cedar authorization: ${formatPolicyProblems(problems)}`);
    this.problems = problems;
  }
}

/** Loads the policy set into the engine once; throws InvalidPolicyError with the parser's
 * messages. Returns undefined when authorization is off (no config, or type none). */
export function createAuthorizer(cfg: RuntimeAuthzConfig | undefined): Authorizer | undefined {
  if (!cfg || cfg.type === "none") return undefined;
  const policies = cfg.policies ?? [];
  const problems = cedarProblems(policies, cfg.entitiesJson);
  if (policies.length === 0)
    problems.push({ path: ["policies"], message: "at least one policy is required when type is cedar" });
  if (problems.length > 0) throw new InvalidPolicyError(problems);
  const entities = parseEntities(cfg.entitiesJson) as cedar.EntityJson[];
  const setId = `vmcp-${randomUUID()}`;
  const loaded = cedarEngine().preparsePolicySet(setId, {
    staticPolicies: Object.fromEntries(policies.map((p, i) => [policyId(i), p])),
  });
  if (loaded.type === "failure")
    throw new InvalidPolicyError([{ path: ["policies"], message: formatCedarErrors(loaded.errors) }]);
  const settings: ClaimSettings = {
    groupClaimName: cfg.groupClaimName,
    roleClaimName: cfg.roleClaimName,
    groupEntityType: cfg.groupEntityType,
  };
  // Request entities win over policy entities with the same uid, as in ToolHive.
  const withPolicyEntities = (req: CedarRequest): cedar.EntityJson[] => {
    if (entities.length === 0) return req.entities;
    const own = new Set(req.entities.map((e) => uidKey(e.uid)));
    return [...req.entities, ...entities.filter((e) => !own.has(uidKey(e.uid)))];
  };
  const refs = referencedAttributes(policies);
  const authorizeAs = (principal: cedar.EntityJson, target: Target): Decision => {
    const req = cedarRequest(principal, target, refs.args);
    const answer = cedarEngine().statefulIsAuthorized({
      principal: req.principal,
      action: req.action,
      resource: req.resource,
      context: req.context,
      entities: withPolicyEntities(req),
      preparsedPolicySetId: setId,
    });
    if (answer.type === "failure")
      return { allowed: false, reasons: [], errors: [formatCedarErrors(answer.errors)] };
    const d = answer.response;
    return {
      allowed: d.decision === "allow",
      reasons: d.diagnostics.reason,
      errors: d.diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`),
    };
  };
  const principal = (identity: Identity) => principalEntity(identity, settings, refs.claims);
  // Decisions are pure functions of (policies, entities, the token's claims, target, the arguments
  // policies read): nothing else reaches Cedar, so a decision is reused for the same token.
  const cache = new Lru<string, Lru<string, Decision>>(MAX_CACHED_DECISION_CALLERS);
  const authorize = (identity: Identity, target: Target): Decision => {
    const key = refs.args ? decisionKey(target, refs.args) : undefined;
    if (key === undefined) return authorizeAs(principal(identity), target);
    const caller = identity.token ?? `${identity.issuer ?? ""}\u0000${identity.subject}`;
    let decisions = cache.get(caller);
    const hit = decisions?.get(key);
    if (hit) return hit;
    const d = authorizeAs(principal(identity), target);
    if (d.errors.length > 0) return d;
    if (!decisions) {
      decisions = new Lru(MAX_CACHED_DECISIONS_PER_CALLER);
      cache.set(caller, decisions);
    }
    decisions.set(key, d);
    return d;
  };
  return { principal, authorizeAs, authorize };
}

function decisionKey(t: Target, onlyArgs: ReadonlySet<string>): string | undefined {
  const args: Record<string, cedar.CedarValueJson> = {};
  if (onlyArgs.size > 0) argumentContext(t.arguments, args, onlyArgs);
  const key = `${t.feature}\u0000${t.name}\u0000${JSON.stringify(args)}`;
  return key.length <= MAX_DECISION_KEY_CHARS ? key : undefined;
}

/** A Map that forgets its least recently used entry beyond `max`. */
class Lru<K, V> {
  #max: number;
  #m = new Map<K, V>();
  constructor(max: number) {
    this.#max = max;
  }
  get(k: K): V | undefined {
    const v = this.#m.get(k);
    if (v !== undefined) {
      this.#m.delete(k);
      this.#m.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    this.#m.delete(k);
    this.#m.set(k, v);
    if (this.#m.size > this.#max) this.#m.delete(this.#m.keys().next().value as K);
  }
}

function uidKey(uid: cedar.EntityUidJson): string {
  const u = "__entity" in uid ? uid.__entity : uid;
  return `${u.type}\u0000${u.id}`;
}
