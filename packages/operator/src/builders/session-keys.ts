import { randomBytes } from "node:crypto";
import type { V1Secret } from "@kubernetes/client-node";
import { SESSION_KEYS_KEY, sessionKeysLabels, sessionKeysSecretName } from "./names.ts";
import { controllerRef, type OwnerInfo } from "./owner.ts";

/**
 * The Secret with the AES-256 key that seals this server's session ids, so every replica can
 * continue every client session. Created once with a fresh random key and never rewritten by the
 * operator: rotating is an edit of the `keys` value (new key first, the previous one after it).
 */
export function buildSessionKeysSecret(o: { owner: OwnerInfo; namespace: string; now: Date }): V1Secret {
  // The key id only has to differ from the ids the user adds when rotating.
  const id = `k${Math.floor(o.now.getTime() / 1000).toString(36)}`;
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: sessionKeysSecretName(o.owner.name),
      namespace: o.namespace,
      labels: sessionKeysLabels(o.owner.name),
      ownerReferences: [controllerRef(o.owner)],
    },
    type: "Opaque",
    stringData: { [SESSION_KEYS_KEY]: `${id}=${randomBytes(32).toString("base64")}` },
  };
}
