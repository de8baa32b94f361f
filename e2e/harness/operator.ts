// Runs the operator in this process the way the Helm chart runs it in a cluster: as the chart's
// ServiceAccount, bound to the chart's (Cluster)Role, with leader election on a Lease. The RBAC
// objects come from the committed deploy/manifests, so the e2e flow proves they are sufficient.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { serviceAccountKubeConfig } from "@vmcp/testenv";
import { pino } from "pino";
import { type RunningOperator, startOperator } from "../../packages/operator/src/manager.ts";
import { RELEASE, RELEASE_NAMESPACE, readManifest } from "./chart.ts";
import { apply } from "./kube.ts";
import { parseManifest, retargetNamespace } from "./manifests.ts";

const RBAC_KINDS = new Set([
  "Namespace",
  "ServiceAccount",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
]);

export type OperatorScope =
  /** deploy/manifests/install.yaml: ClusterRole, operator in vmcp-system, watching every namespace. */
  | { kind: "cluster" }
  /** deploy/manifests/install-namespaced.yaml moved into `namespace`: Role there, watching only it. */
  | { kind: "namespace"; namespace: string };

/** Applies the chart's Namespace/ServiceAccount/RBAC objects; returns where the operator's SA lives. */
export async function installOperatorRbac(
  admin: KubeConfig,
  scope: OperatorScope,
): Promise<{ namespace: string }> {
  const file = scope.kind === "cluster" ? "install.yaml" : "install-namespaced.yaml";
  let objects = parseManifest(readManifest(file)).filter((o) => RBAC_KINDS.has(o.kind));
  let namespace = RELEASE_NAMESPACE;
  if (scope.kind === "namespace") {
    // The test namespace already exists; only the namespaced RBAC moves into it.
    objects = retargetNamespace(
      objects.filter((o) => o.kind !== "Namespace"),
      RELEASE_NAMESPACE,
      scope.namespace,
    );
    namespace = scope.namespace;
  }
  for (const o of objects) await apply(admin, o);
  return { namespace };
}

export interface OperatorHandle {
  op: RunningOperator;
  namespace: string;
  stop(): Promise<void>;
}

export async function runOperator(
  admin: KubeConfig,
  o: { scope: OperatorScope; vmcpImage?: string; logFile?: string },
): Promise<OperatorHandle> {
  const { namespace } = await installOperatorRbac(admin, o.scope);
  const kc = await serviceAccountKubeConfig(admin, namespace, RELEASE, { expirationSeconds: 24 * 3600 });
  let logger = pino({ level: "silent" });
  if (o.logFile) {
    mkdirSync(dirname(o.logFile), { recursive: true });
    logger = pino(
      { name: "vmcp-operator", level: "info", base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
      pino.destination({ dest: o.logFile, sync: true }),
    );
  }
  const op = await startOperator({
    kc,
    logger,
    vmcpImage: o.vmcpImage,
    namespace: o.scope.kind === "namespace" ? o.scope.namespace : undefined,
    // Sample backends listen on 127.0.0.1 (development only; off by default in the chart).
    allowLoopbackEntries: true,
    leaderElection: { namespace },
    identity: `e2e-${process.pid}`,
  });
  return { op, namespace, stop: () => op.stop() };
}
