// Thin helpers over CustomObjectsApi for the CRD tests. Every write sends fieldValidation=Strict,
// as kubectl does: structural schemas prune unknown fields, only Strict turns them into errors.
import { ApiException, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { GROUP, KIND_INFO, type KindName, VERSION } from "../../src/index.ts";

export interface FieldError {
  status: number;
  message: string;
  fields: string[];
}

export function client(kc: KubeConfig) {
  const api = kc.makeApiClient(CustomObjectsApi);
  const target = (kind: KindName, namespace: string) => ({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: KIND_INFO[kind].plural,
  });
  return {
    create: (kind: KindName, namespace: string, body: object) =>
      api.createNamespacedCustomObject({ ...target(kind, namespace), body, fieldValidation: "Strict" }),
    get: (kind: KindName, namespace: string, name: string) =>
      api.getNamespacedCustomObject({ ...target(kind, namespace), name }),
    replaceStatus: (kind: KindName, namespace: string, name: string, body: object) =>
      api.replaceNamespacedCustomObjectStatus({
        ...target(kind, namespace),
        name,
        body,
        fieldValidation: "Strict",
      }),
  };
}

/** The API server's rejection as status code, message and the fields it names. */
export async function rejection(write: Promise<unknown>): Promise<FieldError> {
  try {
    await write;
  } catch (e) {
    if (!(e instanceof ApiException)) throw e;
    const body = typeof e.body === "string" ? (JSON.parse(e.body) as Record<string, unknown>) : {};
    const details = (body.details ?? {}) as { causes?: { field?: string }[] };
    return {
      status: e.code,
      message: String(body.message ?? e.message),
      fields: (details.causes ?? []).map((c) => c.field ?? ""),
    };
  }
  throw new Error("the API server accepted an invalid object");
}
