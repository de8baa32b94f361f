// The Events a VirtualMCPServer reconcile records about its children. Each Event is a write the
// apiserver stores and fans out, so a reconcile tells its story in as few as it can: one Event for
// every child it created, and a rollout Event only for a change the user made to this object.

export interface CreatedChild {
  kind: string;
  name: string;
}

export const CHILDREN_CREATED_REASON = "ResourcesCreated";

/** The note of the one Event for the children a reconcile created, in the order they were sent. */
export function childrenCreatedNote(created: readonly CreatedChild[]): string {
  return `Created ${created.map((c) => `${c.kind} ${c.name}`).join(", ")}`;
}

/**
 * Whether an update of an existing Deployment gets a `DeploymentUpdated` Event on the
 * VirtualMCPServer: only while its own spec change is not yet observed. A rollout caused by a
 * referenced object (one MCPExternalAuthConfig shared by N servers) would otherwise cost N Events
 * for one change; the new `configHash` in that object's status already tells it.
 */
export function announcesDeploymentUpdate(
  generation: number,
  observedGeneration: number | undefined,
): boolean {
  return observedGeneration !== generation;
}
