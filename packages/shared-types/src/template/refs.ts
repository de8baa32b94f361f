// Static analysis of parsed templates: which step outputs a template reads.
import type { Operand, ParsedTemplate, Pipeline, TemplateNode } from "./ast.ts";

function fromOperand(o: Operand, out: Set<string>): void {
  if ((o.k === "field" || o.k === "var") && o.path[0] === "steps" && o.path[1] !== undefined) {
    // `.steps.x` alone (e.g. passed to index or json) counts as reading x's output.
    if (o.path.length === 2 || o.path[2] === "output") out.add(o.path[1]);
  }
  if (o.k === "pipe") fromPipeline(o.pipe, out);
}

function fromPipeline(p: Pipeline, out: Set<string>): void {
  for (const c of p.cmds) for (const a of c.args) fromOperand(a, out);
}

function fromNodes(nodes: TemplateNode[], out: Set<string>): void {
  for (const n of nodes) {
    if (n.k === "action") fromPipeline(n.pipe, out);
    if (n.k === "if") {
      fromPipeline(n.pipe, out);
      fromNodes(n.body, out);
      if (n.alt) fromNodes(n.alt, out);
    }
  }
}

/** Step ids whose `.steps.<id>.output` the template reads (by field path; `index` lookups are not seen). */
export function referencedStepOutputs(t: ParsedTemplate): Set<string> {
  const out = new Set<string>();
  fromNodes(t.nodes, out);
  return out;
}
