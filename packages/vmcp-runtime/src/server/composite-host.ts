// Composite tools as part of the aggregate: definitions are validated against each aggregate view
// (so a tool that appears later makes a waiting definition valid), invalid ones are left out and
// reported instead of failing the gateway.
import type { Tool, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { resolveToolRef } from "../aggregation/aggregate.ts";
import { compareStrings } from "../aggregation/tool-names.ts";
import type { Route } from "../aggregation/types.ts";
import { type CompositeTools, createCompositeTools, validateCompositeTools } from "../composite/index.ts";
import type { Logger } from "../logger.ts";
import type { Catalog } from "./catalog.ts";
import type { AggregateView } from "./types.ts";

export interface CompositeState {
  /** The valid, advertised composite tools. */
  composite: CompositeTools;
  names: ReadonlySet<string>;
  /** What tools/list returns: the view's tools, then the composite tools. */
  advertised: Tool[];
  /** One line per definition left out, saying why. */
  problems: string[];
  /** `problems` as one string (what was last logged is compared with it). */
  report: string;
}

/** What serve reports for each definition it leaves out; `vmcp validate` prints the same lines
 * (without `toolExists`: which tools the backends advertise is known only once they are listed). */
export function compositeDefinitionProblems(
  defs: readonly unknown[],
  toolExists?: (ref: string) => boolean,
): { invalid: Set<string>; problems: string[] } {
  const invalid = new Set<string>();
  const problems: string[] = [];
  for (const p of validateCompositeTools(defs, toolExists)) {
    invalid.add(p.tool);
    problems.push(
      `composite tool "${p.tool}" not advertised: ${p.errors.map((e) => `${e.reason}: ${e.message}`).join("; ")}`,
    );
  }
  return { invalid, problems };
}

const NO_BACKEND_TOOLS = new Map<string, Map<string, string>>();

export class CompositeCatalog {
  readonly defined: number;
  #defs: readonly unknown[];
  #catalog: Catalog;
  #log: Logger;
  #states = new WeakMap<AggregateView, CompositeState>();
  #byName = new WeakMap<Tool[], Map<string, Tool>>();
  #lastReported = "";

  constructor(defs: readonly unknown[], catalog: Catalog, log: Logger) {
    this.#defs = defs;
    this.defined = defs.length;
    this.#catalog = catalog;
    this.#log = log;
  }

  route(view: AggregateView, ref: string): Route | undefined {
    return resolveToolRef(
      { toolRoutes: view.toolRoutes, backendTools: view.backendTools ?? NO_BACKEND_TOOLS },
      ref,
    );
  }

  /** A backend's per-call deadline (names a timeout in a step's error). */
  timeoutMs(backend: string): number {
    return this.#catalog.entry(backend)?.spec.timeoutMs ?? 0;
  }

  /** The backend's own Tool behind a reference: hidden tools are not in view.tools, and their
   * input schemas are what step arguments are coerced to. */
  resolveTool(view: AggregateView, ref: string): Tool | undefined {
    const r = this.route(view, ref);
    if (!r) return undefined;
    const tools = this.#catalog.entry(r.backend)?.listing?.tools;
    if (!tools) return undefined;
    let byName = this.#byName.get(tools);
    if (!byName) {
      byName = new Map(tools.map((t) => [t.name, t]));
      this.#byName.set(tools, byName);
    }
    return byName.get(r.name);
  }

  /** Composite tools valid against `view` (computed once per view). */
  forView(view: AggregateView): CompositeState {
    let st = this.#states.get(view);
    if (!st) {
      st = this.#build(view);
      this.#states.set(view, st);
    }
    // Before the first listing settles every step tool is still unknown: reporting that would be
    // a warning at every start.
    if (st.report !== this.#lastReported && this.#catalog.ready) {
      this.#lastReported = st.report;
      if (st.problems.length > 0)
        this.#log.warn({ problems: st.problems }, "some composite tools are not advertised");
      else if (this.defined > 0) this.#log.info({ count: st.names.size }, "all composite tools advertised");
    }
    return st;
  }

  #build(view: AggregateView): CompositeState {
    const toolExists = (ref: string) => this.route(view, ref) !== undefined;
    const reserved = new Set(view.tools.map((t) => t.name));
    const { invalid, problems } = compositeDefinitionProblems(this.#defs, toolExists);
    const valid = this.#defs.filter((d) => {
      const name = (d as { name?: unknown }).name;
      if (typeof name !== "string" || invalid.has(name)) return false;
      if (reserved.has(name)) {
        problems.push(`composite tool "${name}" not advertised: its name collides with a backend tool`);
        return false;
      }
      return true;
    });
    let composite: CompositeTools;
    try {
      composite = createCompositeTools(valid, {
        toolExists,
        stepAnnotations: (ref): ToolAnnotations | undefined => this.resolveTool(view, ref)?.annotations,
      });
    } catch (err) {
      // Should not happen (everything was validated above); never let it take the gateway down.
      problems.push(`composite tools not advertised: ${err instanceof Error ? err.message : String(err)}`);
      composite = createCompositeTools([]);
    }
    problems.push(...composite.warnings);
    return {
      composite,
      names: new Set(composite.tools.map((t) => t.name)),
      // tools/list is sorted by name, composites included.
      advertised:
        composite.tools.length > 0
          ? [...view.tools, ...composite.tools].sort((a, b) => compareStrings(a.name, b.name))
          : view.tools,
      problems,
      report: problems.join("\n"),
    };
  }
}
