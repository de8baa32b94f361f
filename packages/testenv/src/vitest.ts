import { KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";

/** Admin (system:masters) KubeConfig for the control plane the integration global setup started. */
export function testKubeConfig(): KubeConfig {
  const path = inject("kubeconfigPath");
  if (!path) {
    throw new Error(
      "no kubeconfigPath provided: run integration tests through the 'integration' vitest project (its globalSetup starts the control plane)",
    );
  }
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}
