// Refreshes deploy/helm/vmcp-operator/crds from crds/ and renders deploy/manifests from the chart.
// Usage: node e2e/render-manifests.ts (builds helm once if needed; see e2e/harness/helm.ts).
import { syncChartCrds, writeManifests } from "./harness/chart.ts";
import { ensureHelm } from "./harness/helm.ts";

syncChartCrds();
const helm = await ensureHelm({ log: (line) => console.log(line) });
for (const path of writeManifests(helm)) console.log(`wrote ${path}`);
