// The chart's README.md, generated from the `# -- ` comments in its values.yaml (the helm-docs
// convention), so the documented keys, types and defaults cannot drift from the values.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isScalar, isSeq, type Node, type Pair, parseDocument, type YAMLMap } from "yaml";
import { CHART_DIR, ROOT } from "./chart.ts";

export const CHART_README = join(CHART_DIR, "README.md");
export const MONITORING_DIR = join(ROOT, "deploy/monitoring");
export const MONITORING_ALERTS = join(MONITORING_DIR, "vmcp-alerts.yaml");
export const CHART_ALERTS = join(CHART_DIR, "files/vmcp-alerts.yaml");

export interface ValueDoc {
  key: string;
  type: string;
  default: string;
  description: string;
}

const describedBy = (comment: string | null | undefined): string | undefined => {
  if (!comment) return undefined;
  // Only the last comment block before a key describes it (a blank line separates blocks).
  const block = comment.split(/\n\s*\n/).at(-1) ?? "";
  const lines = block.split("\n").map((l) => l.replace(/^ ?/, ""));
  const start = lines.findIndex((l) => l.startsWith("-- "));
  if (start < 0) return undefined;
  return lines
    .slice(start)
    .map((l, i) => (i === 0 ? l.slice(3) : l).trim())
    .join(" ");
};

const typeOf = (node: unknown): string => {
  if (isMap(node)) return "object";
  if (isSeq(node)) return "list";
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === "boolean") return "bool";
    if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
    return "string";
  }
  return "string";
};

const hasDescribedChild = (node: unknown): boolean =>
  isMap(node) &&
  node.items.some(
    (p) => describedBy((p.key as Node | null)?.commentBefore) !== undefined || hasDescribedChild(p.value),
  );

/** Every documented key of values.yaml, depth first, in file order. Throws on an undocumented leaf. */
export function valueDocs(valuesYaml: string): ValueDoc[] {
  const doc = parseDocument(valuesYaml);
  const rows: ValueDoc[] = [];
  const undocumented: string[] = [];
  const walk = (map: YAMLMap, prefix: string, inherited: boolean) => {
    map.items.forEach((pair: Pair, i) => {
      const keyNode = pair.key as Node | null;
      const key = prefix + String(isScalar(keyNode) ? keyNode.value : keyNode);
      // The first key's comment is attached to the map (or, at top level, to the document).
      const comment =
        keyNode?.commentBefore ??
        (i === 0 ? (map.commentBefore ?? (prefix === "" ? doc.commentBefore : undefined)) : undefined);
      const description = describedBy(comment);
      const recurse = hasDescribedChild(pair.value);
      if (description !== undefined) {
        rows.push({
          key,
          type: typeOf(pair.value),
          default: recurse ? "" : JSON.stringify((pair.value as Node | null)?.toJSON?.() ?? pair.value),
          description,
        });
      }
      if (recurse && isMap(pair.value)) walk(pair.value, `${key}.`, inherited || description !== undefined);
      else if (description === undefined && !inherited) undocumented.push(key);
    });
  };
  if (!isMap(doc.contents)) throw new Error("values.yaml: expected a map at the top level");
  walk(doc.contents, "", false);
  if (undocumented.length > 0) {
    throw new Error(`values.yaml: no "# -- " comment for ${undocumented.join(", ")}`);
  }
  return rows;
}

const cell = (s: string) => s.replaceAll("|", "\\|");

export function renderChartReadme(valuesYaml: string, chartYaml: string): string {
  const chart = parseDocument(chartYaml).toJSON() as { name: string; description: string; version: string };
  const rows = valueDocs(valuesYaml).map(
    (r) =>
      `| \`${r.key}\` | ${r.type} | ${r.default ? `\`${cell(r.default)}\`` : ""} | ${cell(r.description)} |`,
  );
  return [
    `# ${chart.name}`,
    "",
    "<!-- Generated from values.yaml by `node e2e/render-chart-files.ts`; do not edit (a test fails when it drifts). -->",
    "",
    chart.description.trim(),
    "",
    "```sh",
    `helm install ${chart.name} deploy/helm/${chart.name} --namespace vmcp-system --create-namespace`,
    "```",
    "",
    "Every value is checked by `values.schema.json`: an unknown key or a wrong type fails `helm install`",
    "and `helm template` with the path of the offending value. Upgrading, metrics, dashboards and alerts:",
    "docs/day-two.md.",
    "",
    "## Values",
    "",
    "| Key | Type | Default | Description |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}

export function currentChartReadme(): string {
  return renderChartReadme(
    readFileSync(join(CHART_DIR, "values.yaml"), "utf8"),
    readFileSync(join(CHART_DIR, "Chart.yaml"), "utf8"),
  );
}
