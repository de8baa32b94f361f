// Cedar decision cost, in process: one tools/call decision, and tools/list filtering of 1,000 tools
// for a caller seen for the first time (every tool is evaluated) and again (the per-caller cache).
// Usage: node bench/authz/run.ts [--iterations 20000]
import { createAuthorizer } from "../../packages/vmcp-runtime/src/authz/cedar.ts";
import { ListFilter } from "../../packages/vmcp-runtime/src/authz/filter.ts";
import { benchArgs } from "../helpers/args.ts";
import { POLICIES } from "./policies.ts";

const { values } = benchArgs(import.meta.url, {
  options: { iterations: { type: "string", default: "20000" } },
});
const N = Number(values.iterations);

const authz = createAuthorizer({ type: "cedar", policies: POLICIES, groupClaimName: "groups" });
if (!authz) throw new Error("no authorizer");

const identity = (i: number) => ({
  subject: `user-${i}`,
  issuer: "https://idp.example.com",
  token: `token-${i}`,
  claims: {
    sub: `user-${i}`,
    email: `user-${i}@example.com`,
    groups: ["eng", "oncall"],
    exp: 2_000_000_000,
    iat: 1_900_000_000,
    aud: "vmcp",
  },
});
const tools = Array.from({ length: 1000 }, (_, i) => ({
  name: `${["github_", "jira_", "pager_", "wiki_"][i % 4]}tool_${i}${i % 10 === 0 ? "_read" : ""}`,
}));

function time(label: string, n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(n, 1000); i++) fn(i); // warm-up (JIT, wasm tier-up)
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / n;
  console.log(`${label.padEnd(58)} ${us.toFixed(2).padStart(10)} µs`);
  return us;
}

console.log(`Node ${process.version}, ${POLICIES.length} policies, ${N} iterations`);
const alice = identity(1);
const p = authz.principal(alice);
const call = {
  feature: "tool" as const,
  name: "github_tool_0",
  arguments: { repo: "org/x", text: "x".repeat(1024) },
};
const baseline = time("baseline: no policy (the call site's branch only)", N, () => undefined);
const perCall = time("tools/call decision, Cedar evaluated (no reuse)", N, () => authz.authorizeAs(p, call));
const perCallCached = time("tools/call decision, same caller and tool (reused)", N, () =>
  authz.authorize(alice, call),
);
const filter = new ListFilter(authz);
let fresh = 10_000;
const cold = time("tools/list of 1,000 tools, new caller (1,000 decisions)", 50, () =>
  filter.filter("tool", tools, identity(fresh++)),
);
const warm = time("tools/list of 1,000 tools, same caller again (cached)", N, () =>
  filter.filter("tool", tools, alice),
);
console.log(
  `\nJSON ${JSON.stringify({ node: process.version, policies: POLICIES.length, baseline, perCall, perCallCached, listCold: cold, listWarm: warm, allowed: filter.filter("tool", tools, alice).length })}`,
);
