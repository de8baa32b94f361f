import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ApiException,
  ApiextensionsV1Api,
  CustomObjectsApi,
  type KubeConfig,
  loadYaml,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { waitUntil } from "./net.ts";

const CrdDocSchema = z.looseObject({
  apiVersion: z.literal("apiextensions.k8s.io/v1"),
  kind: z.literal("CustomResourceDefinition"),
  metadata: z.looseObject({ name: z.string().min(1) }),
  spec: z.looseObject({}),
});

/** Every CustomResourceDefinition document in dir/*.yaml (sorted by file name); [] if none. */
export function readCrds(dir: string): V1CustomResourceDefinition[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"));
  } catch {
    return [];
  }
  const crds: V1CustomResourceDefinition[] = [];
  for (const file of files.sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) continue;
      const parsed = CrdDocSchema.safeParse(value);
      if (!parsed.success) {
        throw new Error(`${join(dir, file)}: not a CustomResourceDefinition: ${parsed.error.message}`);
      }
      // Deserialize into the client's models: they name the schema extensions x_kubernetes_*, so a
      // plain object with the wire names (x-kubernetes-validations, list types, ...) would be sent
      // WITHOUT them (CEL rules and listType=map silently lost). The apiserver validates the rest.
      crds.push(loadYaml<V1CustomResourceDefinition>(doc.toString()));
    }
  }
  return crds;
}

const StatusSchema = z.object({ message: z.string() });

/** "CRD x rejected by the apiserver (422): <Status.message>" instead of client-node's raw dump. */
function describeFailure(name: string, e: unknown): Error {
  if (!(e instanceof ApiException)) return e instanceof Error ? e : new Error(String(e));
  let message = String(e.body);
  try {
    const status = StatusSchema.safeParse(JSON.parse(String(e.body)));
    if (status.success) message = status.data.message;
  } catch {
    // not JSON: keep the raw body
  }
  return new Error(`CRD ${name} rejected by the apiserver (${e.code}): ${message}`, { cause: e });
}

function isEstablished(crd: V1CustomResourceDefinition): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === "Established" && c.status === "True");
}

/** Creates (or replaces) the CRDs and waits until the apiserver serves every one of them. */
export async function installCrds(
  kc: KubeConfig,
  crds: V1CustomResourceDefinition[],
  opts: { timeoutMs?: number } = {},
): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const objects = kc.makeApiClient(CustomObjectsApi);
  await Promise.all(
    crds.map(async (body) => {
      const name = body.metadata?.name ?? "";
      try {
        await api.createCustomResourceDefinition({ body });
      } catch (e) {
        if (!(e instanceof ApiException && e.code === 409)) throw describeFailure(name, e);
        const current = await api.readCustomResourceDefinition({ name });
        await api.replaceCustomResourceDefinition({
          name,
          body: {
            ...body,
            metadata: { ...body.metadata, resourceVersion: current.metadata?.resourceVersion },
          },
        });
      }
      const timeoutMs = opts.timeoutMs ?? 60_000;
      await waitUntil(
        `CRD ${name} to be Established`,
        async () => isEstablished(await api.readCustomResourceDefinition({ name })),
        { timeoutMs, intervalMs: 100 },
      );
      // Established means served, but the resource's watch cache may still answer 429 "storage is
      // (re)initializing" for a moment: wait until a LIST succeeds so the first informer does not.
      const version = body.spec.versions.find((v) => v.served)?.name;
      if (version) {
        await waitUntil(
          `${body.spec.names.plural}.${body.spec.group} to be listable`,
          async () => {
            await objects.listClusterCustomObject({
              group: body.spec.group,
              version,
              plural: body.spec.names.plural,
              limit: 1,
            });
            return true;
          },
          { timeoutMs, intervalMs: 100 },
        );
      }
    }),
  );
}
