import type { V1OwnerReference } from "@kubernetes/client-node";

export interface OwnerInfo {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

/** Controller owner reference: garbage collection deletes the child with its VirtualMCPServer. */
export function controllerRef(owner: OwnerInfo): V1OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.name,
    uid: owner.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
