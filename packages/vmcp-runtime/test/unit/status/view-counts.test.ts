import { describe, expect, it } from "vitest";
import { type CountableView, cachedCounter, countByBackend } from "../../../src/status/view-counts.ts";

/** A view of `backends` backends with `perBackend` tools, one resource and one prompt each, plus
 * a hidden tool per backend (routed, not advertised), whose route maps count their lookups. */
function view(backends: number, perBackend: number): { view: CountableView; lookups: () => number } {
  let lookups = 0;
  class CountingMap<K, V> extends Map<K, V> {
    override get(k: K): V | undefined {
      lookups++;
      return super.get(k);
    }
  }
  const tools: Array<{ name: string }> = [];
  const toolRoutes = new CountingMap<string, { backend: string }>();
  const resources: Array<{ uri: string }> = [];
  const resourceRoutes = new CountingMap<string, string>();
  const prompts: Array<{ name: string }> = [];
  const promptRoutes = new CountingMap<string, { backend: string }>();
  for (let b = 0; b < backends; b++) {
    const backend = `b${b}`;
    for (let t = 0; t < perBackend; t++) {
      tools.push({ name: `${backend}_t${t}` });
      toolRoutes.set(`${backend}_t${t}`, { backend });
    }
    toolRoutes.set(`${backend}_hidden`, { backend });
    resources.push({ uri: `file:///${backend}` });
    resourceRoutes.set(`file:///${backend}`, backend);
    prompts.push({ name: `${backend}_p` });
    promptRoutes.set(`${backend}_p`, { backend });
  }
  return {
    view: { tools, toolRoutes, resources, resourceRoutes, prompts, promptRoutes },
    lookups: () => lookups,
  };
}

describe("countByBackend", () => {
  it("counts what each backend advertises, not its hidden tools", () => {
    const counts = countByBackend(view(3, 4).view);
    expect([...counts.keys()].sort()).toEqual(["b0", "b1", "b2"]);
    expect(counts.get("b1")).toEqual({ toolCount: 4, resourceCount: 1, promptCount: 1 });
  });

  it("looks each tool, resource and prompt up once, however many backends there are", () => {
    const v = view(200, 50);
    countByBackend(v.view);
    expect(v.lookups()).toBe(200 * 50 + 200 + 200);
  });

  it("leaves out a backend that advertises nothing (status reads it as zero)", () => {
    const v = view(1, 1).view;
    expect(countByBackend({ ...v, tools: [], resources: [], prompts: [] }).size).toBe(0);
  });
});

describe("cachedCounter", () => {
  it("counts a view once and a new view again", () => {
    const a = view(10, 5);
    const count = cachedCounter();
    const first = count(a.view);
    const after = a.lookups();
    expect(count(a.view)).toBe(first);
    expect(a.lookups()).toBe(after);
    const b = view(2, 1);
    expect(count(b.view).get("b1")?.toolCount).toBe(1);
  });
});
