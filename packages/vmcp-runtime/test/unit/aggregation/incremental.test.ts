import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AggregateResult,
  type AggregationConfigInput,
  aggregate,
  type BackendCapabilities,
} from "../../../src/aggregation/aggregate.ts";
import {
  emptyIncremental,
  incrementalAggregator,
  type ResolveFn,
  updateAggregate,
} from "../../../src/aggregation/incremental.ts";
import { resolveTools } from "../../../src/aggregation/resolve-tools.ts";
import { backend, tool } from "./helpers.ts";

// Small alphabets so clashes (prefix-induced ones like a + b_c vs a_b + c included) are common.
const names = ["a", "b", "a_b", "b_a", "a.b"];
const toolName = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[ab_][ab_]{0,3}$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z.~ ]{1,80}$/) },
);
const listing = (name: string): fc.Arbitrary<BackendCapabilities> =>
  fc
    .record({
      tools: fc.array(toolName, { maxLength: 6 }),
      resources: fc.uniqueArray(fc.stringMatching(/^mem:\/\/[ab]{1,2}$/), { maxLength: 2 }),
      prompts: fc.uniqueArray(toolName, { maxLength: 2 }),
    })
    .map((b) => ({
      backend: name,
      tools: b.tools.map((t) => tool(t)),
      resources: b.resources.map((uri) => ({ uri, name: `${name}:${uri}` })),
      resourceTemplates: b.resources.map((uri) => ({ uriTemplate: `${uri}/{x}`, name })),
      prompts: b.prompts.map((p) => ({ name: p, description: name })),
    }));
/** One step: a backend's new listing, or the backend gone (undefined). */
const step = fc
  .constantFrom(...names)
  .chain((n) => fc.tuple(fc.constant(n), fc.option(listing(n), { nil: undefined, freq: 4 })));
const cfgArb: fc.Arbitrary<AggregationConfigInput> = fc.record({
  conflictResolution: fc.constantFrom("prefix" as const, "priority" as const, "manual" as const),
  conflictResolutionConfig: fc.record({
    prefixFormat: fc.constantFrom("{workload}_", "{workload}-", "x_{workload}__"),
    priorityOrder: fc.shuffledSubarray(names),
  }),
  tools: fc.uniqueArray(
    fc.record({
      workload: fc.constantFrom(...names),
      filter: fc.option(fc.array(toolName, { maxLength: 3 }), { nil: undefined }),
      overrides: fc.option(
        fc.dictionary(toolName, fc.record({ name: fc.option(toolName, { nil: undefined }) })),
        {
          nil: undefined,
        },
      ),
    }),
    { maxLength: 2, selector: (w) => w.workload },
  ),
  excludeAllTools: fc.boolean(),
  defaultToolVisibility: fc.constantFrom("allow" as const, "deny" as const),
});

const sorted = <T>(xs: Iterable<T>, key: (x: T) => string = String) =>
  [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
function comparable(r: AggregateResult) {
  return {
    tools: r.tools,
    toolRoutes: sorted(r.toolRoutes, ([k]) => k),
    resources: r.resources,
    resourceRoutes: sorted(r.resourceRoutes, ([k]) => k),
    resourceTemplates: r.resourceTemplates,
    prompts: r.prompts,
    promptRoutes: sorted(r.promptRoutes, ([k]) => k),
    // The incremental aggregate sorts the resolver's warnings; the set is the same.
    warnings: sorted(r.warnings),
    conflicts: r.conflicts,
    backendTools: sorted(r.backendTools, ([k]) => k).map(([k, v]) => [k, sorted(v, ([n]) => n)]),
  };
}

describe("incremental aggregation", () => {
  // linkedAbove 0: any change that drags in most tools keeps them as one component, so that
  // path is exercised by listings this small too.
  it("after any sequence of listing changes, equals the full aggregation of the current listings", () => {
    fc.assert(
      fc.property(
        cfgArb,
        fc.array(step, { minLength: 1, maxLength: 12 }),
        fc.constantFrom(0, 64),
        (cfg, steps, linkedAbove) => {
          let state = emptyIncremental(cfg, {}, resolveTools, linkedAbove);
          const current = new Map<string, BackendCapabilities>();
          expect(comparable(state.result)).toEqual(comparable(aggregate([], cfg)));
          for (const [name, next] of steps) {
            if (next) current.set(name, next);
            else current.delete(name);
            state = updateAggregate(state, new Map([[name, next]]));
            expect(comparable(state.result)).toEqual(comparable(aggregate([...current.values()], cfg)));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("several backends changed at once give the same view as one at a time", () => {
    fc.assert(
      fc.property(
        cfgArb,
        fc.array(step, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(0, 64),
        (cfg, steps, linkedAbove) => {
          const batch = new Map(steps);
          let one = emptyIncremental(cfg, {}, resolveTools, linkedAbove);
          for (const [name, next] of batch) one = updateAggregate(one, new Map([[name, next]]));
          const all = updateAggregate(emptyIncremental(cfg, {}, resolveTools, linkedAbove), batch);
          expect(comparable(all.result)).toEqual(comparable(one.result));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("one backend's new listing re-resolves only that backend's tools, not the other backends'", () => {
    const seen: string[][] = [];
    const spy: ResolveFn = (cands, ...rest) => {
      seen.push(cands.map((c) => `${c.backend}.${c.originalName}`));
      return resolveTools(cands, ...rest);
    };
    const cfg: AggregationConfigInput = { conflictResolution: "prefix" };
    const tools = (n: number) => Array.from({ length: n }, (_, i) => `tool_${i}`);
    let state = emptyIncremental(cfg, {}, spy);
    const all = new Map(Array.from({ length: 50 }, (_, i) => [`b${i}`, backend(`b${i}`, tools(20))]));
    state = updateAggregate(state, all);
    seen.length = 0;

    state = updateAggregate(state, new Map([["b7", backend("b7", [...tools(20), "extra"])]]));

    const resolved = seen.flat();
    expect(resolved).toHaveLength(21);
    expect(resolved.every((t) => t.startsWith("b7."))).toBe(true);
    expect(state.result.tools).toHaveLength(50 * 20 + 1);
    expect(state.result.toolRoutes.get("b7_extra")).toEqual({ backend: "b7", name: "extra" });
  });

  it("a backend sharing a name with the changed one is resolved again with it, and only it", () => {
    const seen: string[] = [];
    const spy: ResolveFn = (cands, ...rest) => {
      seen.push(...cands.map((c) => `${c.backend}.${c.originalName}`));
      return resolveTools(cands, ...rest);
    };
    const cfg: AggregationConfigInput = {
      conflictResolution: "priority",
      conflictResolutionConfig: { priorityOrder: ["a", "b"] },
    };
    let state = emptyIncremental(cfg, {}, spy);
    state = updateAggregate(
      state,
      new Map([
        ["a", backend("a", ["shared", "only_a"])],
        ["b", backend("b", ["shared", "only_b"])],
        ["c", backend("c", ["only_c"])],
      ]),
    );
    expect(state.result.toolRoutes.get("shared")).toEqual({ backend: "a", name: "shared" });
    seen.length = 0;

    state = updateAggregate(state, new Map([["a", undefined]]));

    expect(sorted(seen)).toEqual(["b.shared"]);
    expect(state.result.toolRoutes.get("shared")).toEqual({ backend: "b", name: "shared" });
    expect(state.result.tools.map((t) => t.name)).toEqual(["only_b", "only_c", "shared"]);
  });

  it("when every backend offers the same names, a change resolves them in one call, as a full aggregation would", () => {
    const calls: number[] = [];
    const spy: ResolveFn = (cands, ...rest) => {
      calls.push(cands.length);
      return resolveTools(cands, ...rest);
    };
    const cfg: AggregationConfigInput = {
      conflictResolution: "priority",
      conflictResolutionConfig: { priorityOrder: ["b3"] },
    };
    const names = Array.from({ length: 20 }, (_, i) => `tool_${i}`);
    const all = new Map(Array.from({ length: 50 }, (_, i) => [`b${i}`, backend(`b${i}`, names)]));
    let state = updateAggregate(emptyIncremental(cfg, {}, spy), all);
    for (const changed of ["b7", "b3", "b7"]) {
      calls.length = 0;
      const next = backend(changed, changed === "b3" ? names.slice(1) : names);
      all.set(changed, next);
      state = updateAggregate(state, new Map([[changed, next]]));
      expect(calls).toEqual([50 * 20 - (all.get("b3")!.tools.length === 19 ? 1 : 0)]);
      expect(comparable(state.result)).toEqual(comparable(aggregate([...all.values()], cfg)));
    }
  });

  it("the aggregator keeps the previous view when no listing changed, and tells changes by listing identity", () => {
    const agg = incrementalAggregator({ conflictResolution: "prefix" });
    const a = backend("a", ["x"]);
    const b = backend("b", ["y"]);
    const first = agg([a, b]);
    // The catalog passes copies of each listing object without its protocol fields: same arrays.
    expect(agg([{ ...b }, { ...a }])).toBe(first);
    const second = agg([a, backend("b", ["y", "z"])]);
    expect(second.tools.map((t) => t.name)).toEqual(["a_x", "b_y", "b_z"]);
    expect(agg([a]).tools.map((t) => t.name)).toEqual(["a_x"]);
    expect(() => agg([a, a])).toThrow(/backend names must be unique/);
  });
});
