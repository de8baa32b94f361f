// The Events a VirtualMCPServer reconcile records about its children. Each Event is a write the
// apiserver stores and fans out (one in thirteen of a new server's writes), so only what a user
// may act on gets one: a rollout of a change the user made to this object. Creating the children
// is not told: it is what the user asked for, every child carries the owner reference (`kubectl
// get all -l app.kubernetes.io/instance=<name>`), and the status says how far it got.

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
