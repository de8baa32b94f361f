// Cedar policy sets as the parser sees them: the checks behind `vmcp validate`, the operator's
// AuthConfigured/Valid conditions and the runtime's engine load, so all three say the same thing.
import { createRequire } from "node:module";
import type * as cedar from "@cedar-policy/cedar-wasm/nodejs";

export type CedarEngine = typeof cedar;
let engine: CedarEngine | undefined;

/**
 * The Cedar engine, loaded on first use: loading compiles a 4 MiB WebAssembly module, which a
 * process without authorization policies (most of them) should not pay for at start-up.
 */
export function cedarEngine(): CedarEngine {
  engine ??= createRequire(import.meta.url)("@cedar-policy/cedar-wasm/nodejs") as CedarEngine;
  return engine;
}

export const policyId = (i: number) => `policy${i}`;

export function formatCedarErrors(errors: cedar.DetailedError[]): string {
  return errors.map((e) => e.message + (e.help ? ` (${e.help})` : "")).join("; ");
}

export interface PolicyProblem {
  /** Where, relative to the authz object: ["policies", 2] or ["entitiesJson"]. */
  path: Array<string | number>;
  message: string;
}

/** Every problem with a policy set, in the Cedar parser's words; empty when it loads. */
export function cedarProblems(
  policies: readonly string[],
  entitiesJson: string | undefined,
): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  // One policy per item: the parser rejects a second statement in the same item.
  policies.forEach((text, i) => {
    const r = cedarEngine().checkParsePolicySet({ staticPolicies: { [policyId(i)]: text } });
    if (r.type === "failure") problems.push({ path: ["policies", i], message: formatCedarErrors(r.errors) });
  });
  const entities = parseEntities(entitiesJson);
  if (typeof entities === "string") problems.push({ path: ["entitiesJson"], message: entities });
  return problems;
}

export const formatPolicyProblems = (problems: readonly PolicyProblem[]): string =>
  problems
    .map((p) => `${p.path.map((s) => (typeof s === "number" ? `[${s}]` : s)).join("")}: ${p.message}`)
    .join("; ");

export function parseEntities(json: string | undefined): cedar.EntityJson[] | string {
  if (json === undefined || json.trim() === "") return [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    return `not valid JSON: ${(err as Error).message}`;
  }
  if (!Array.isArray(value)) return "must be a JSON array of Cedar entities";
  const r = cedarEngine().checkParseEntities({ entities: value as cedar.EntityJson[] });
  if (r.type === "failure") return formatCedarErrors(r.errors);
  return value as cedar.EntityJson[];
}
