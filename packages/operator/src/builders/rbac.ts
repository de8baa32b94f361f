// ServiceAccount, Role and RoleBinding for the runtime pod, and the status Lease it elects a leader
// on. The Role lists exactly what the runtime does and nothing more; a rule with empty resourceNames would grant every object,
// so rules whose name list is empty are left out entirely.
import type {
  KubernetesObject,
  V1PolicyRule,
  V1Role,
  V1RoleBinding,
  V1ServiceAccount,
} from "@kubernetes/client-node";
import { GROUP } from "@vmcp/shared-types";
import { rbacLabels, rbacName, statusLeaseName } from "./names.ts";
import { controllerRef, type OwnerInfo } from "./owner.ts";

export type OutgoingAuthSource = "inline" | "discovered";

export interface RbacInput {
  owner: OwnerInfo;
  namespace: string;
  source: OutgoingAuthSource;
  /** Secrets the runtime reads by name (dynamic mode: discovered backend auth and header secrets). */
  secretNames: string[];
  /** ConfigMaps the runtime reads by name (dynamic mode: entries' CA bundles). */
  configMapNames: string[];
  imagePullSecrets?: { name: string }[];
}

const READ = ["get", "list", "watch"];

export function roleRules(
  input: Pick<RbacInput, "owner" | "source" | "secretNames" | "configMapNames">,
): V1PolicyRule[] {
  const name = input.owner.name;
  const rules: V1PolicyRule[] = [
    // Its own object (observedGeneration, spec) and SSA of its own status; nothing else of the kind.
    { apiGroups: [GROUP], resources: ["virtualmcpservers"], resourceNames: [name], verbs: READ },
    {
      apiGroups: [GROUP],
      resources: ["virtualmcpservers/status"],
      resourceNames: [name],
      verbs: ["get", "patch"],
    },
    // Leader election among replicas for status reporting, on the Lease the operator creates:
    // RBAC cannot limit `create` by name, and a runtime allowed to create Leases could squat
    // another server's election.
    {
      apiGroups: ["coordination.k8s.io"],
      resources: ["leases"],
      resourceNames: [statusLeaseName(name)],
      verbs: ["get", "update"],
    },
    // Backend transitions as Events on its VirtualMCPServer: create, and patch for a series count.
    // RBAC cannot limit either by the regarded object, so nothing beyond these two verbs.
    { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
  ];
  if (input.source === "discovered") {
    rules.push(
      // Backend discovery: the group and its three member kinds, and the auth configs they name.
      {
        apiGroups: [GROUP],
        resources: [
          "mcpgroups",
          "mcpservers",
          "mcpremoteproxies",
          "mcpserverentries",
          "mcpexternalauthconfigs",
        ],
        verbs: READ,
      },
    );
    // Entries' CA bundles, read by name (and re-read periodically, so a rotated CA is picked up).
    const configMaps = [...new Set(input.configMapNames)].sort();
    if (configMaps.length > 0) {
      rules.push({ apiGroups: [""], resources: ["configmaps"], resourceNames: configMaps, verbs: ["get"] });
    }
    const secrets = [...new Set(input.secretNames)].sort();
    if (secrets.length > 0) {
      rules.push({ apiGroups: [""], resources: ["secrets"], resourceNames: secrets, verbs: ["get"] });
    }
  }
  return rules;
}

export function buildServiceAccount(input: RbacInput): V1ServiceAccount {
  const sa: V1ServiceAccount = {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: {
      name: rbacName(input.owner.name),
      namespace: input.namespace,
      labels: rbacLabels(input.owner.name),
      ownerReferences: [controllerRef(input.owner)],
    },
  };
  if (input.imagePullSecrets && input.imagePullSecrets.length > 0) {
    sa.imagePullSecrets = input.imagePullSecrets.map((s) => ({ name: s.name }));
  }
  return sa;
}

export function buildRole(input: RbacInput): V1Role {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: {
      name: rbacName(input.owner.name),
      namespace: input.namespace,
      labels: rbacLabels(input.owner.name),
      ownerReferences: [controllerRef(input.owner)],
    },
    rules: roleRules(input),
  };
}

export function buildRoleBinding(input: RbacInput): V1RoleBinding {
  const name = rbacName(input.owner.name);
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: {
      name,
      namespace: input.namespace,
      labels: rbacLabels(input.owner.name),
      ownerReferences: [controllerRef(input.owner)],
    },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
    subjects: [{ kind: "ServiceAccount", name, namespace: input.namespace }],
  };
}

/** Labels on the status Lease (the operator's cache selects on them). */
export const statusLeaseLabels = (vmcp: string): Record<string, string> => ({
  "app.kubernetes.io/name": "virtualmcpserver",
  "app.kubernetes.io/instance": vmcp,
  "app.kubernetes.io/component": "vmcp-status",
  "app.kubernetes.io/managed-by": "vmcp-operator",
});

/**
 * The status Lease, created empty: the runtime replicas fill in the holder. Owned by the
 * VirtualMCPServer so it goes with it, and no other server's runtime can have created it first.
 */
export function buildStatusLease(input: Pick<RbacInput, "owner" | "namespace">): KubernetesObject {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: statusLeaseName(input.owner.name),
      namespace: input.namespace,
      labels: statusLeaseLabels(input.owner.name),
      ownerReferences: [controllerRef(input.owner)],
    },
  };
}
