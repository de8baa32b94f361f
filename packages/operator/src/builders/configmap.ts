import type { V1ConfigMap } from "@kubernetes/client-node";
import { contentChecksum } from "./checksum.ts";
import { CONFIG_KEY, CONTENT_CHECKSUM_ANNOTATION, configMapLabels, configMapName } from "./names.ts";
import { controllerRef, type OwnerInfo } from "./owner.ts";

export interface ConfigMapInput {
  owner: OwnerInfo;
  namespace: string;
  /** The rendered config.yaml (see renderVmcpConfig). */
  configYaml: string;
}

/** ConfigMap `<name>-vmcp-config` with the content checksum the Deployment rolls on. */
export function buildConfigMap(input: ConfigMapInput): { configMap: V1ConfigMap; checksum: string } {
  const data = { [CONFIG_KEY]: input.configYaml };
  const labels = configMapLabels(input.owner.name);
  const checksum = contentChecksum(data, labels, {});
  return {
    checksum,
    configMap: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: configMapName(input.owner.name),
        namespace: input.namespace,
        labels,
        annotations: { [CONTENT_CHECKSUM_ANNOTATION]: checksum },
        ownerReferences: [controllerRef(input.owner)],
      },
      data,
    },
  };
}
