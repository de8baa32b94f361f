// The helm CLI the tests and the manifest renderer use: $HELM, else built once (./go-tool.ts).
// Without a cluster to ask, this helm assumes Kubernetes v1.20 for .Capabilities: callers pass
// --kube-version (e2e/harness/chart.ts does).
import type { Log } from "@vmcp/testenv";
import { ensureGoTool, type GoTool } from "./go-tool.ts";

const HELM: GoTool = {
  name: "helm",
  goPackage: "helm.sh/helm/v3/cmd/helm",
  version: "v3.22.0",
  ldflags: "-X helm.sh/helm/v3/internal/version.version=v3.22.0",
  envVar: "HELM",
};

/** Path of a helm binary (3-10 min to build cold). */
export const ensureHelm = (opts: { log?: Log } = {}): Promise<string> => ensureGoTool(HELM, opts);
