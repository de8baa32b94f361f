// Regenerates deploy/helm/vmcp-operator/README.md from the comments in its values.yaml.
// Usage: node e2e/render-chart-readme.ts
import { writeFileSync } from "node:fs";
import { CHART_README, currentChartReadme } from "./harness/chart-readme.ts";

writeFileSync(CHART_README, currentChartReadme());
console.log(`wrote ${CHART_README}`);
