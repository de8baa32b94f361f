// Operator gauges computed at scrape time from what the operator already holds: its build and the
// Ready condition of every VirtualMCPServer in its informer cache (no extra API calls).

import type { Informer, KubeObject } from "@vmcp/kube-kit/informer";
import { type OperatorMetrics, registerBuildInfo } from "@vmcp/kube-kit/metrics";
import { Gauge } from "prom-client";
import type { InformerRegistry } from "./kit/informers.ts";
import { BUILD_INFO } from "./version.ts";

const VMCP_RESOURCE = "virtualmcpservers.toolhive.stacklok.dev";

interface WithConditions {
  status?: { conditions?: { type?: string; status?: string }[] };
}

/** 1 when the object's Ready condition is True, else 0 (missing status counts as not Ready). */
export function readyValue(obj: KubeObject): 0 | 1 {
  const conditions = (obj as WithConditions).status?.conditions ?? [];
  return conditions.some((c) => c.type === "Ready" && c.status === "True") ? 1 : 0;
}

export function registerOperatorGauges(metrics: OperatorMetrics, informers: InformerRegistry): void {
  registerBuildInfo(metrics.registry, "vmcp_operator_build_info", BUILD_INFO);
  // Only when a controller already watches VirtualMCPServers: a gauge must not open a watch of its own.
  const vmcps: Informer<KubeObject> | undefined = informers.all().find((i) => i.resource === VMCP_RESOURCE);
  if (!vmcps) return;
  new Gauge({
    name: "vmcp_operator_virtualmcpserver_ready",
    help: "1 while the VirtualMCPServer's Ready condition is True, 0 otherwise (from the operator's cache).",
    labelNames: ["namespace", "name"],
    registers: [metrics.registry],
    collect() {
      // Rebuilt on every scrape so deleted objects leave no stale series; one series per object.
      this.reset();
      for (const o of vmcps.list()) {
        this.set({ namespace: o.metadata?.namespace ?? "", name: o.metadata?.name ?? "" }, readyValue(o));
      }
    },
  });
}
