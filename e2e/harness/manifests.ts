// Reading the rendered manifests (deploy/manifests/*.yaml) as objects.
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "./kube.ts";

export function parseManifest(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const o = value as Partial<KubeObject>;
    if (typeof o.apiVersion !== "string" || typeof o.kind !== "string" || !o.metadata?.name) {
      throw new Error(
        `manifest document without apiVersion/kind/metadata.name: ${JSON.stringify(value).slice(0, 200)}`,
      );
    }
    out.push(o as KubeObject);
  }
  return out;
}

/** The objects with every occurrence of namespace `from` (object namespaces, binding subjects, the Namespace itself) moved to `to`. */
export function retargetNamespace(objects: KubeObject[], from: string, to: string): KubeObject[] {
  return objects.map((o) => {
    const copy = structuredClone(o);
    if (copy.kind === "Namespace" && copy.metadata.name === from) copy.metadata.name = to;
    if (copy.metadata.namespace === from) copy.metadata.namespace = to;
    const subjects = copy.subjects as { namespace?: string }[] | undefined;
    for (const s of subjects ?? []) if (s.namespace === from) s.namespace = to;
    return copy;
  });
}

export function podSpecOf(deployment: KubeObject): Record<string, unknown> {
  const spec = (deployment.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template
    ?.spec;
  if (!spec) throw new Error(`${deployment.kind} ${deployment.metadata.name} has no pod template`);
  return spec;
}
