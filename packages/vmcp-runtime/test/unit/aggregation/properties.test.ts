import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AggregateResult,
  type AggregationConfigInput,
  AggregationError,
  aggregate,
  type BackendCapabilities,
  resolveToolRef,
} from "../../../src/aggregation/aggregate.ts";
import { tool } from "./helpers.ts";

// Small alphabets so clashes (including prefix-induced ones like a + b_c vs a_b + c) are common.
const backendName = fc.stringMatching(/^[ab][ab_.]{0,2}$/);
const toolName = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[ab_][ab_]{0,3}$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z.~ ]{1,80}$/) },
);
const capsArb: fc.Arbitrary<BackendCapabilities[]> = fc.uniqueArray(
  fc
    .record({
      backend: backendName,
      tools: fc.uniqueArray(toolName, { maxLength: 6 }),
      resources: fc.uniqueArray(fc.stringMatching(/^mem:\/\/[ab]{1,2}$/), { maxLength: 3 }),
      prompts: fc.uniqueArray(toolName, { maxLength: 3 }),
    })
    .map((b) => ({
      backend: b.backend,
      tools: b.tools.map((t) => tool(t)),
      resources: b.resources.map((uri) => ({ uri, name: `${b.backend}:${uri}` })),
      resourceTemplates: b.resources.map((uri) => ({ uriTemplate: `${uri}/{x}`, name: b.backend })),
      prompts: b.prompts.map((name) => ({ name, description: b.backend })),
    })),
  { minLength: 1, maxLength: 5, selector: (b) => b.backend },
);

const cfgArb = (caps: BackendCapabilities[]): fc.Arbitrary<AggregationConfigInput> => {
  const names = caps.map((c) => c.backend);
  const workloadEntry = fc.record({
    workload: fc.constantFrom(...names),
    filter: fc.option(fc.array(toolName, { maxLength: 3 }), { nil: undefined }),
    excludeAll: fc.option(fc.boolean(), { nil: undefined }),
    overrides: fc.option(
      fc.dictionary(
        toolName,
        fc.record({ name: fc.option(toolName, { nil: undefined }), description: fc.constant("d") }),
      ),
      { nil: undefined },
    ),
  });
  return fc.record({
    conflictResolution: fc.constantFrom("prefix" as const, "priority" as const, "manual" as const),
    conflictResolutionConfig: fc.record({
      prefixFormat: fc.constantFrom("{workload}_", "{workload}-", "x_{workload}__"),
      priorityOrder: fc.subarray(names).chain((s) => fc.shuffledSubarray(s)),
    }),
    tools: fc.uniqueArray(workloadEntry, { maxLength: 3, selector: (w) => w.workload }),
    excludeAllTools: fc.boolean(),
    defaultToolVisibility: fc.constantFrom("allow" as const, "deny" as const, "" as const),
  });
};

const scenario = capsArb.chain((caps) =>
  fc.tuple(fc.constant(caps), cfgArb(caps), fc.shuffledSubarray(caps, { minLength: caps.length })),
);

function run(caps: BackendCapabilities[], cfg: AggregationConfigInput): AggregateResult | AggregationError {
  try {
    return aggregate(caps, cfg);
  } catch (e) {
    if (e instanceof AggregationError) return e;
    throw e;
  }
}

const sortedEntries = <V>(m: Map<string, V>) =>
  [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
function snapshot(r: AggregateResult | AggregationError) {
  if (r instanceof AggregationError) return { error: r.message };
  return {
    tools: r.tools,
    toolRoutes: [...r.toolRoutes.entries()],
    resources: r.resources,
    resourceRoutes: sortedEntries(r.resourceRoutes),
    resourceTemplates: r.resourceTemplates,
    prompts: r.prompts,
    promptRoutes: sortedEntries(r.promptRoutes),
    warnings: r.warnings,
  };
}

describe("aggregate properties", () => {
  it("shuffling the backends never changes the result (or the error)", () => {
    fc.assert(
      fc.property(scenario, ([caps, cfg, shuffled]) => {
        expect(snapshot(run(shuffled, cfg))).toEqual(snapshot(run(caps, cfg)));
      }),
      { numRuns: 300 },
    );
  });

  it("every advertised tool name is valid, unique, sorted and routed; every route hits a real backend tool", () => {
    fc.assert(
      fc.property(scenario, ([caps, cfg]) => {
        const r = run(caps, cfg);
        if (r instanceof AggregationError) {
          expect(cfg.conflictResolution).toBe("manual");
          return;
        }
        const advertised = r.tools.map((t) => t.name);
        for (const n of advertised) {
          expect(n).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
          expect(r.toolRoutes.has(n)).toBe(true);
        }
        expect(new Set(advertised).size).toBe(advertised.length);
        expect([...advertised].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(advertised);
        for (const [name, route] of r.toolRoutes) {
          expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
          const b = caps.find((c) => c.backend === route.backend);
          expect(b?.tools.some((t) => t.name === route.name)).toBe(true);
          expect(resolveToolRef(r, name)).toEqual(route);
        }
        for (const [uri, be] of r.resourceRoutes) {
          expect(caps.find((c) => c.backend === be)?.resources.some((x) => x.uri === uri)).toBe(true);
        }
        for (const [name, route] of r.promptRoutes) {
          expect(
            caps.find((c) => c.backend === route.backend)?.prompts.some((p) => p.name === route.name),
          ).toBe(true);
          expect(r.prompts.some((p) => p.name === name)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("visibility settings hide tools without changing what is routable", () => {
    fc.assert(
      fc.property(scenario, ([caps, cfg]) => {
        const open: AggregationConfigInput = {
          ...cfg,
          excludeAllTools: false,
          defaultToolVisibility: "allow",
          tools: cfg.tools?.map((t) => ({ ...t, filter: undefined, excludeAll: false })),
        };
        const a = run(caps, cfg);
        const b = run(caps, open);
        if (a instanceof AggregationError || b instanceof AggregationError) {
          expect(snapshot(a)).toEqual(snapshot(b));
          return;
        }
        expect([...a.toolRoutes.entries()]).toEqual([...b.toolRoutes.entries()]);
        expect(b.tools.length).toBe(b.toolRoutes.size);
        const visible = new Set(b.tools.map((t) => t.name));
        for (const t of a.tools) expect(visible.has(t.name)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("every backend tool is routed, reported in a warning, or reachable as <workload>.<tool>", () => {
    fc.assert(
      fc.property(scenario, ([caps, cfg]) => {
        const r = run(caps, cfg);
        if (r instanceof AggregationError) return;
        const routed = new Set([...r.toolRoutes.values()].map((x) => `${x.backend}\u0000${x.name}`));
        const text = [...r.warnings, ...r.conflicts].join("\n");
        for (const c of caps) {
          for (const t of c.tools) {
            expect(resolveToolRef(r, `${c.backend}.${t.name}`)).toEqual({ backend: c.backend, name: t.name });
            if (!routed.has(`${c.backend}\u0000${t.name}`)) expect(text).toContain(c.backend);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
