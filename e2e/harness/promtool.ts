// Prometheus's promtool: $PROMTOOL, else built once (./go-tool.ts). The alert rules are checked and
// unit-tested with the same tool Prometheus itself loads them with.
import type { Log } from "@vmcp/testenv";
import { ensureGoTool, type GoTool } from "./go-tool.ts";

// The Prometheus module publishes v3.x as Go module versions v0.3xx: v0.316.0 is Prometheus 3.16.0.
const PROMTOOL: GoTool = {
  name: "promtool",
  goPackage: "github.com/prometheus/prometheus/cmd/promtool",
  version: "v0.316.0",
  ldflags: "-X github.com/prometheus/common/version.Version=3.16.0",
  envVar: "PROMTOOL",
};

/** Path of a promtool binary (5-25 min to build cold on 2 cores, depending on load). */
export const ensurePromtool = (opts: { log?: Log } = {}): Promise<string> => ensureGoTool(PROMTOOL, opts);
