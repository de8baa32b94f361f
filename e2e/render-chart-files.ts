// Regenerates what the chart derives from elsewhere: README.md from the comments in values.yaml,
// and files/vmcp-alerts.yaml from deploy/monitoring (Helm can only read files inside the chart).
// Usage: node e2e/render-chart-files.ts
import { copyFileSync, writeFileSync } from "node:fs";
import { CHART_ALERTS, CHART_README, currentChartReadme, MONITORING_ALERTS } from "./harness/chart-readme.ts";

writeFileSync(CHART_README, currentChartReadme());
console.log(`wrote ${CHART_README}`);
copyFileSync(MONITORING_ALERTS, CHART_ALERTS);
console.log(`wrote ${CHART_ALERTS}`);
