import { describe, expect, it } from "vitest";
import { AggregationError, aggregate, resolveToolRef } from "../../../src/aggregation/aggregate.ts";
import { backend, tool } from "./helpers.ts";

const names = (r: { tools: Array<{ name: string }> }) => r.tools.map((t) => t.name);

describe("prefix strategy", () => {
  it("exposes both fetch tools as a_fetch and b_fetch, routing each to its backend under the bare name", () => {
    const r = aggregate([backend("b", ["fetch"]), backend("a", ["fetch", "list"])], {
      conflictResolution: "prefix",
      conflictResolutionConfig: { prefixFormat: "{workload}_" },
    });
    expect(names(r)).toEqual(["a_fetch", "a_list", "b_fetch"]);
    expect(r.toolRoutes.get("a_fetch")).toEqual({ backend: "a", name: "fetch" });
    expect(r.toolRoutes.get("b_fetch")).toEqual({ backend: "b", name: "fetch" });
  });

  it("defaults to prefix with {workload}_ when the config is empty", () => {
    const r = aggregate([backend("github", ["create_issue"])], {});
    expect(names(r)).toEqual(["github_create_issue"]);
  });

  it("replaces every {workload} placeholder in a custom format", () => {
    const r = aggregate([backend("gh", ["x"])], {
      conflictResolutionConfig: { prefixFormat: "{workload}-{workload}__" },
    });
    expect(names(r)).toEqual(["gh-gh__x"]);
  });

  it("prefixes the post-override name and routes back to the original name", () => {
    const r = aggregate([backend("gh", ["create_issue"])], {
      tools: [
        { workload: "gh", overrides: { create_issue: { name: "new_issue", description: "Open one" } } },
      ],
    });
    expect(r.tools).toEqual([expect.objectContaining({ name: "gh_new_issue", description: "Open one" })]);
    expect(r.toolRoutes.get("gh_new_issue")).toEqual({ backend: "gh", name: "create_issue" });
  });

  it("keeps one tool when two prefixed names collide and reports the other", () => {
    // a + "b_c" and a_b + "c" both become a_b_c.
    const r = aggregate([backend("a_b", ["c"]), backend("a", ["b_c"])], {});
    expect(names(r)).toEqual(["a_b_c"]);
    expect(r.toolRoutes.get("a_b_c")).toEqual({ backend: "a", name: "b_c" });
    expect(r.warnings.join("\n")).toMatch(/a_b_c.*dropped a_b\.c/);
  });
});

describe("priority strategy", () => {
  const cfg = {
    conflictResolution: "priority" as const,
    conflictResolutionConfig: { priorityOrder: ["b", "a"] },
  };

  it("routes a clashing name to the earliest listed backend, drops the other and keeps unique names bare", () => {
    const r = aggregate([backend("a", ["fetch", "only_a"]), backend("b", ["fetch"])], cfg);
    expect(names(r)).toEqual(["fetch", "only_a"]);
    expect(r.toolRoutes.get("fetch")).toEqual({ backend: "b", name: "fetch" });
    expect(r.warnings.join("\n")).toContain('tool "fetch": served by b (priorityOrder); dropped from a');
  });

  it("reports priorityOrder entries that match no backend", () => {
    const r = aggregate([backend("a", ["x"])], cfg);
    expect(r.warnings).toContain('priorityOrder: "b" matches no backend');
  });

  it("a listed backend beats an unlisted one, which is dropped", () => {
    const r = aggregate([backend("a", ["fetch"]), backend("z", ["fetch"])], cfg);
    expect(names(r)).toEqual(["fetch"]);
    expect(r.toolRoutes.get("fetch")?.backend).toBe("a");
  });

  it("prefixes every copy with {workload}_ when no clashing backend is listed", () => {
    const r = aggregate([backend("x", ["fetch"]), backend("y", ["fetch"])], {
      ...cfg,
      conflictResolutionConfig: { priorityOrder: ["b"], prefixFormat: "ignored-" },
    });
    expect(names(r)).toEqual(["x_fetch", "y_fetch"]);
  });

  it("a dropped tool stays reachable as <workload>.<tool>", () => {
    const r = aggregate([backend("a", ["fetch"]), backend("b", ["fetch"])], cfg);
    expect(resolveToolRef(r, "a.fetch")).toEqual({ backend: "a", name: "fetch" });
    expect(resolveToolRef(r, "fetch")).toEqual({ backend: "b", name: "fetch" });
  });
});

describe("manual strategy", () => {
  it("withholds every unresolved clash on every backend and lists each one with its fix", () => {
    const r = aggregate(
      [backend("a", ["fetch", "x", "solo"]), backend("b", ["fetch", "x"]), backend("c", ["fetch"])],
      {
        conflictResolution: "manual",
        tools: [{ workload: "a", overrides: { fetch: { name: "a_fetch" } } }],
      },
    );
    // Fail closed: no backend serves "fetch" or "x"; the renamed and the unique ones are served.
    expect(names(r)).toEqual(["a_fetch", "solo"]);
    expect(r.toolRoutes.has("fetch")).toBe(false);
    expect(r.toolRoutes.has("x")).toBe(false);
    const msg = r.conflicts.join("\n");
    expect(msg).toContain('tool "fetch" is offered by a, b, c');
    expect(msg).toContain("aggregation.tools[workload=b].overrides.fetch.name");
    expect(msg).toContain("aggregation.tools[workload=c].overrides.fetch.name");
    expect(msg).not.toContain("aggregation.tools[workload=a].overrides.fetch.name");
    expect(msg).toContain('tool "x" is offered by a, b');
  });

  it("a description-only override does not resolve a clash", () => {
    const r = aggregate([backend("a", ["fetch"]), backend("b", ["fetch"])], {
      conflictResolution: "manual",
      tools: [
        { workload: "a", overrides: { fetch: { description: "A's" } } },
        { workload: "b", overrides: { fetch: { name: "b_fetch" } } },
      ],
    });
    expect(r.conflicts.join("\n")).toMatch(/workload=a\]\.overrides\.fetch\.name/);
    expect(names(r)).toEqual(["b_fetch"]);
  });

  it("serves every clash under its override name and passes unique names through", () => {
    const r = aggregate([backend("a", ["fetch", "solo"]), backend("b", ["fetch"])], {
      conflictResolution: "manual",
      tools: [
        { workload: "a", overrides: { fetch: { name: "fetch_a" } } },
        { workload: "b", overrides: { fetch: { name: "fetch" } } },
      ],
    });
    expect(names(r)).toEqual(["fetch", "fetch_a", "solo"]);
    expect(r.toolRoutes.get("fetch")).toEqual({ backend: "b", name: "fetch" });
    expect(r.toolRoutes.get("fetch_a")).toEqual({ backend: "a", name: "fetch" });
  });

  it("an override that lands on another tool's name is a collision after override, withheld too", () => {
    const r = aggregate([backend("a", ["one"]), backend("b", ["two"])], {
      conflictResolution: "manual",
      tools: [{ workload: "a", overrides: { one: { name: "two" } } }],
    });
    expect(r.conflicts).toEqual(['collision after override: "two" would be served by a.one and b.two']);
    expect(names(r)).toEqual([]);
  });
});

describe("filters, overrides and visibility", () => {
  it("the filter matches the post-override name, and filtered tools stay routable", () => {
    const r = aggregate([backend("gh", ["create_issue", "delete_repo"])], {
      tools: [{ workload: "gh", filter: ["new_issue"], overrides: { create_issue: { name: "new_issue" } } }],
    });
    expect(names(r)).toEqual(["gh_new_issue"]);
    expect(r.toolRoutes.get("gh_delete_repo")).toEqual({ backend: "gh", name: "delete_repo" });
    expect(resolveToolRef(r, "gh.delete_repo")).toEqual({ backend: "gh", name: "delete_repo" });
    expect(resolveToolRef(r, "gh.new_issue")).toEqual({ backend: "gh", name: "create_issue" });
  });

  it("a filter naming the pre-override name matches nothing", () => {
    const r = aggregate([backend("gh", ["create_issue"])], {
      tools: [
        { workload: "gh", filter: ["create_issue"], overrides: { create_issue: { name: "new_issue" } } },
      ],
    });
    expect(names(r)).toEqual([]);
  });

  it("defaultToolVisibility deny hides backends without an entry but not listed ones", () => {
    const r = aggregate([backend("a", ["x"]), backend("b", ["y"])], {
      defaultToolVisibility: "deny",
      tools: [{ workload: "a" }],
    });
    expect(names(r)).toEqual(["a_x"]);
    expect(r.toolRoutes.has("b_y")).toBe(true);
  });

  it("excludeAll hides one workload; excludeAllTools hides everything; both keep routes and prompts", () => {
    const caps = [
      backend("a", ["x"], { prompts: [{ name: "p" }] }),
      backend("b", ["y"], { resources: [{ uri: "file:///r", name: "r" }] }),
    ];
    const one = aggregate(caps, { tools: [{ workload: "a", excludeAll: true }] });
    expect(names(one)).toEqual(["b_y"]);
    const all = aggregate(caps, { excludeAllTools: true });
    expect(names(all)).toEqual([]);
    expect([...all.toolRoutes.keys()]).toEqual(["a_x", "b_y"]);
    expect(all.prompts.map((p) => p.name)).toEqual(["a_p"]);
    expect(all.resources.map((r) => r.uri)).toEqual(["file:///r"]);
  });

  it("annotation overrides merge field by field; the input schema object is forwarded unchanged", () => {
    const schema = { type: "object" as const, properties: { q: { type: "string" } }, required: ["q"] };
    const r = aggregate(
      [
        {
          ...backend("a", []),
          tools: [tool("x", { inputSchema: schema, annotations: { readOnlyHint: false, title: "X" } })],
        },
      ],
      { tools: [{ workload: "a", overrides: { x: { annotations: { readOnlyHint: true } } } }] },
    );
    expect(r.tools[0]?.annotations).toEqual({ readOnlyHint: true, title: "X" });
    expect(r.tools[0]?.inputSchema).toBe(schema);
  });

  it("merges an MCPToolConfig: the inline filter wins, inline overrides win per tool", () => {
    const toolConfigs = {
      tc: {
        toolsFilter: ["x", "y"],
        toolsOverride: { x: { description: "from tc" }, y: { name: "y2", description: "tc y" } },
      },
    };
    const withInline = aggregate(
      [backend("a", ["x", "y", "z"])],
      {
        tools: [
          {
            workload: "a",
            toolConfigRef: { name: "tc" },
            filter: ["z"],
            overrides: { x: { description: "inline" } },
          },
        ],
      },
      { toolConfigs },
    );
    expect(names(withInline)).toEqual(["a_z"]);
    expect(withInline.toolRoutes.has("a_y2")).toBe(true);
    const x = aggregate(
      [backend("a", ["x", "y", "z"])],
      {
        tools: [
          { workload: "a", toolConfigRef: { name: "tc" }, overrides: { x: { description: "inline" } } },
        ],
      },
      { toolConfigs: new Map(Object.entries(toolConfigs)) },
    );
    expect(names(x)).toEqual(["a_x"]);
    expect(x.tools[0]?.description).toBe("inline");
  });

  it("an unresolvable toolConfigRef hides that workload's tools (fail closed) and says so", () => {
    const r = aggregate(
      [backend("a", ["x"]), backend("b", ["y"])],
      { tools: [{ workload: "a", toolConfigRef: { name: "missing" } }] },
      { toolConfigs: {} },
    );
    expect(names(r)).toEqual(["b_y"]);
    expect(r.warnings.join("\n")).toContain('MCPToolConfig "missing" not found');
  });
});

describe("names outside the accepted pattern", () => {
  it("rewrites a dotted or over-long name and reports it, still routing to the backend name", () => {
    const long = "t".repeat(70);
    const r = aggregate([backend("a", ["do.thing", long])], {});
    expect(names(r).every((n) => /^[a-zA-Z0-9_-]{1,64}$/.test(n))).toBe(true);
    expect(r.toolRoutes.get("a_do_thing")).toEqual({ backend: "a", name: "do.thing" });
    const longName = names(r).find((n) => n.startsWith("a_ttt"));
    expect(longName).toHaveLength(64);
    expect(r.toolRoutes.get(longName!)?.name).toBe(long);
    expect(r.warnings.filter((w) => w.includes("does not match"))).toHaveLength(2);
  });
});

describe("resources, templates and prompts", () => {
  it("a duplicated URI goes to the lowest backend name, with a warning; URIs are not rewritten", () => {
    const r = aggregate(
      [
        backend("b", [], { resources: [{ uri: "mem://x", name: "bx" }] }),
        backend("a", [], {
          resources: [{ uri: "mem://x", name: "ax" }],
          resourceTemplates: [{ uriTemplate: "mem://{id}", name: "t" }],
        }),
        backend("c", [], { resourceTemplates: [{ uriTemplate: "mem://{id}", name: "t2" }] }),
      ],
      {},
    );
    expect(r.resources).toEqual([{ uri: "mem://x", name: "ax" }]);
    expect(r.resourceRoutes.get("mem://x")).toBe("a");
    expect(r.resourceTemplates).toEqual([{ uriTemplate: "mem://{id}", name: "t", backend: "a" }]);
    expect(r.warnings).toEqual([
      'resource "mem://x": served by a; duplicate from b dropped',
      'resource template "mem://{id}": served by a; duplicate from c dropped',
    ]);
  });

  it("prompts are prefixed even without a clash under prefix and manual", () => {
    const caps = [backend("a", [], { prompts: [{ name: "summarize" }] })];
    expect(aggregate(caps, {}).prompts.map((p) => p.name)).toEqual(["a_summarize"]);
    expect(
      aggregate(caps, { conflictResolution: "manual", tools: [] }).promptRoutes.get("a_summarize"),
    ).toEqual({ backend: "a", name: "summarize" });
  });

  it("under priority, listed backends keep bare prompt names (earliest wins) and unlisted ones are prefixed", () => {
    const caps = [
      backend("a", [], { prompts: [{ name: "p" }] }),
      backend("b", [], { prompts: [{ name: "p" }] }),
      backend("c", [], { prompts: [{ name: "p" }] }),
    ];
    const r = aggregate(caps, {
      conflictResolution: "priority",
      conflictResolutionConfig: { priorityOrder: ["b", "a"] },
    });
    expect(r.prompts.map((p) => p.name)).toEqual(["c_p", "p"]);
    expect(r.promptRoutes.get("p")).toEqual({ backend: "b", name: "p" });
  });

  it("an ambiguous prompt name drops every copy", () => {
    const r = aggregate(
      [backend("a", [], { prompts: [{ name: "b_x" }] }), backend("a_b", [], { prompts: [{ name: "x" }] })],
      {},
    );
    expect(r.prompts).toEqual([]);
    expect(r.warnings.join("\n")).toContain('prompt name "a_b_x" is ambiguous');
  });
});

describe("input errors", () => {
  it("duplicate backend names are rejected", () => {
    expect(() => aggregate([backend("a", ["x"]), backend("a", ["y"])], {})).toThrow(AggregationError);
  });
  it("a tools[] entry for an absent workload is reported", () => {
    const r = aggregate([backend("a", ["x"])], { tools: [{ workload: "ghost", excludeAll: true }] });
    expect(r.warnings).toContain(
      'aggregation.tools: workload "ghost" matches no backend; its settings are not applied',
    );
  });
  it("resolveToolRef returns undefined for unknown names and handles dotted workload names", () => {
    const r = aggregate([backend("svc.ns", ["x"])], {});
    expect(resolveToolRef(r, "svc.ns.x")).toEqual({ backend: "svc.ns", name: "x" });
    expect(resolveToolRef(r, "nope")).toBeUndefined();
    expect(resolveToolRef(r, "svc.ns.y")).toBeUndefined();
  });
});
