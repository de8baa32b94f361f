// Status snapshot cost (not a test), in process: the per-backend counts of a view of B backends
// with T tools, one resource and one prompt each, computed the old way (every list filtered once
// per backend) against one pass, and the cached pass that status() uses between view changes.
//   node bench/scale/status-snapshot.ts [--backends 10,50,200,400] [--tools 50]
import {
  type CountableView,
  cachedCounter,
  countByBackend,
} from "../../packages/vmcp-runtime/src/status/view-counts.ts";
import { benchArgs } from "../helpers/args.ts";

const { values } = benchArgs(import.meta.url, {
  options: {
    backends: { type: "string", default: "10,50,200,400" },
    tools: { type: "string", default: "50" },
  },
});
const T = Number(values.tools);

function view(b: number): { view: CountableView; names: string[] } {
  const v = {
    tools: [] as Array<{ name: string }>,
    toolRoutes: new Map<string, { backend: string }>(),
    resources: [] as Array<{ uri: string }>,
    resourceRoutes: new Map<string, string>(),
    prompts: [] as Array<{ name: string }>,
    promptRoutes: new Map<string, { backend: string }>(),
  };
  const names: string[] = [];
  for (let i = 0; i < b; i++) {
    const backend = `b${i}`;
    names.push(backend);
    for (let t = 0; t < T; t++) {
      v.tools.push({ name: `${backend}_tool_${t}` });
      v.toolRoutes.set(`${backend}_tool_${t}`, { backend });
    }
    v.resources.push({ uri: `file:///${backend}` });
    v.resourceRoutes.set(`file:///${backend}`, backend);
    v.prompts.push({ name: `${backend}_p` });
    v.promptRoutes.set(`${backend}_p`, { backend });
  }
  return { view: v, names };
}

/** What status() did before: each list filtered once per backend. */
function perBackendFilters(v: CountableView, names: string[]): number {
  let sum = 0;
  for (const backend of names) {
    sum += v.tools.filter((t) => v.toolRoutes.get(t.name)?.backend === backend).length;
    sum += v.resources.filter((r) => v.resourceRoutes.get(r.uri) === backend).length;
    sum += v.prompts.filter((p) => v.promptRoutes.get(p.name)?.backend === backend).length;
  }
  return sum;
}

function ms(f: () => unknown, minMs = 300): number {
  f();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    f();
    n++;
  }
  return (performance.now() - t0) / n;
}

console.log(
  "| B | T | per-backend filters (before) | one pass (first snapshot of a view) | cached (later snapshots) | before / one pass |",
);
console.log("|---|---|---|---|---|---|");
for (const b of values.backends.split(",").map(Number)) {
  const { view: v, names } = view(b);
  const before = ms(() => perBackendFilters(v, names));
  const once = ms(() => countByBackend(v));
  const count = cachedCounter();
  const cached = ms(() => count(v));
  console.log(
    `| ${b} | ${T} | ${before.toFixed(3)} ms | ${once.toFixed(3)} ms | ${(cached * 1000).toFixed(2)} µs | ${(before / once).toFixed(0)}x |`,
  );
}
