import { randomBytes } from "node:crypto";
import { ApiException, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";

/** A DNS-1123 label `<prefix>-<random>`: lowercase, [a-z0-9-], at most 63 characters. */
export function namespaceName(prefix: string, suffix = randomBytes(3).toString("hex")): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 63 - suffix.length - 1)
      .replace(/-+$/g, "") || "test";
  return `${clean}-${suffix}`;
}

export type TestNamespace = { name: string; delete(): Promise<void> };

/**
 * Creates a fresh namespace for one test file. Note: the local control plane runs no
 * kube-controller-manager, so a deleted namespace stays Terminating with its content until the
 * control plane stops; names are random, so that never collides.
 */
export async function createNamespace(kc: KubeConfig, prefix: string): Promise<TestNamespace> {
  const api = kc.makeApiClient(CoreV1Api);
  const name = namespaceName(prefix);
  await api.createNamespace({
    body: { metadata: { name, labels: { "vmcp.dev/testenv": "true" } } },
  });
  return {
    name,
    delete: async () => {
      try {
        await api.deleteNamespace({ name });
      } catch (e) {
        if (!(e instanceof ApiException && e.code === 404)) throw e;
      }
    },
  };
}
