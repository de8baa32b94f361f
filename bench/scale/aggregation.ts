// Aggregation cost in process (not a test): B backends with T tools each, the full aggregation
// against the incremental update after one backend's listing changed, and start-up's batch (all
// B at once), per conflict resolution strategy. Medians of --runs.
//   node bench/scale/aggregation.ts [--backends 200] [--tools 50] [--runs 20]
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import {
  type AggregationConfigInput,
  aggregate,
  type BackendCapabilities,
} from "../../packages/vmcp-runtime/src/aggregation/aggregate.ts";
import {
  emptyIncremental,
  updateAggregate,
} from "../../packages/vmcp-runtime/src/aggregation/incremental.ts";
import { benchArgs } from "../helpers/args.ts";

const { values } = benchArgs(import.meta.url, {
  options: {
    backends: { type: "string", default: "200" },
    tools: { type: "string", default: "50" },
    runs: { type: "string", default: "20" },
  },
});
const B = Number(values.backends);
const T = Number(values.tools);
const RUNS = Number(values.runs);

const tool = (b: number, t: number, v: number): Tool => ({
  name: `tool_${t}`,
  description: `Tool ${t} of b${b} (v${v}): a description about as long as real tools carry.`,
  inputSchema: {
    type: "object",
    properties: { query: { type: "string", description: "what to look up" }, limit: { type: "integer" } },
    required: ["query"],
  },
});
const listing = (b: number, v: number): BackendCapabilities => ({
  backend: `b${b}`,
  tools: Array.from({ length: T }, (_, t) => tool(b, t, v)),
  resources: [],
  resourceTemplates: [],
  prompts: [],
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const time = (f: () => unknown) => {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    f();
    out.push(performance.now() - t0);
  }
  return median(out);
};

const configs: Record<string, AggregationConfigInput> = {
  prefix: { conflictResolution: "prefix" },
  priority: { conflictResolution: "priority", conflictResolutionConfig: { priorityOrder: ["b0", "b1"] } },
  manual: {
    conflictResolution: "manual",
    tools: Array.from({ length: B }, (_, b) => ({
      workload: `b${b}`,
      overrides: Object.fromEntries(
        Array.from({ length: T }, (_, t) => [`tool_${t}`, { name: `b${b}_t${t}` }]),
      ),
    })),
  },
};

console.log(`\n${B} backends x ${T} tools, medians of ${RUNS}\n`);
console.log(
  "| strategy | full aggregation (ms) | incremental, one backend changed (ms) | incremental, all at once (ms) |",
);
console.log("|---|---|---|---|");
for (const [name, cfg] of Object.entries(configs)) {
  const all = Array.from({ length: B }, (_, b) => listing(b, 0));
  const full = time(() => aggregate(all, cfg));
  const batch = time(() => updateAggregate(emptyIncremental(cfg), new Map(all.map((c) => [c.backend, c]))));
  // After start-up's batch and one change: the state a running gateway is in.
  let v = 0;
  const base = updateAggregate(
    updateAggregate(emptyIncremental(cfg), new Map(all.map((c) => [c.backend, c]))),
    new Map([[`b${B >> 1}`, listing(B >> 1, ++v)]]),
  );
  const one = time(() => updateAggregate(base, new Map([[`b${B >> 1}`, listing(B >> 1, ++v)]])));
  console.log(`| ${name} | ${full.toFixed(2)} | ${one.toFixed(3)} | ${batch.toFixed(2)} |`);
}
