export { type Binaries, ensureBinaries } from "./binaries.ts";
export {
  type ControlPlane,
  type ControlPlaneInfo,
  type StartControlPlaneOptions,
  startControlPlane,
} from "./control-plane.ts";
export { installCrds, readCrds } from "./crds.ts";
export { ensureGoBuilt, type GoBuildOptions, isExecutable, type Log } from "./go-build.ts";
export { renderKubeconfig } from "./kubeconfig.ts";
export { assertNothingLeft, leftoverProcesses } from "./leaks.ts";
export { createNamespace, namespaceName, type TestNamespace } from "./namespaces.ts";
export { cacheDir, readVersions, type Versions } from "./paths.ts";
export { serviceAccountKubeConfig } from "./service-account.ts";
