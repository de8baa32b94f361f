import { objectKey } from "@vmcp/kube-kit/informer";
import { MCPExternalAuthConfigSpecSchema } from "@vmcp/shared-types";
import type { ControllerContext } from "../kit/context.ts";
import type { Controller } from "../kit/controller.ts";
import { type RawObject, rawKindInformer, secretKeysInformer } from "../kit/kinds.ts";
import { objectStatusController } from "../kit/object-controller.ts";
import { issueMessages, validConfigStatus, writeStatusIfChanged } from "../kit/status.ts";

export const AUTH_SECRET_INDEX = "secretRefs";

interface SecretRef {
  name?: unknown;
  key?: unknown;
}
interface AuthSpecView {
  type?: unknown;
  headerInjection?: { valueSecretRef?: SecretRef };
  bearerToken?: { tokenSecretRef?: SecretRef };
  tokenExchange?: { clientSecretRef?: SecretRef };
}

/** The Secrets (name, key) an auth config's active type reads. */
export function authSecretRefs(spec: unknown): { field: string; name: string; key: string }[] {
  const s = (spec ?? {}) as AuthSpecView;
  const refs: [string, SecretRef | undefined][] = [
    ["headerInjection.valueSecretRef", s.headerInjection?.valueSecretRef],
    ["bearerToken.tokenSecretRef", s.bearerToken?.tokenSecretRef],
    ["tokenExchange.clientSecretRef", s.tokenExchange?.clientSecretRef],
  ];
  return refs.flatMap(([field, r]) =>
    r && typeof r.name === "string" && typeof r.key === "string" ? [{ field, name: r.name, key: r.key }] : [],
  );
}

export function authSecretIndex(obj: RawObject): string[] {
  const ns = obj.metadata.namespace ?? "";
  return [...new Set(authSecretRefs(obj.spec).map((r) => `${ns}/${r.name}`))];
}

/**
 * Status of an MCPExternalAuthConfig: `Valid` (the schema, plus what CEL cannot check: the referenced
 * Secrets and keys exist) and `configHash`.
 */
export function mcpExternalAuthConfigStatus(
  obj: RawObject,
  secretKeys: (name: string) => string[] | undefined,
  now = new Date(),
): Record<string, unknown> {
  const parsed = MCPExternalAuthConfigSpecSchema.safeParse(obj.spec);
  const problems = parsed.success ? [] : issueMessages(parsed.error);
  for (const r of authSecretRefs(obj.spec)) {
    const keys = secretKeys(r.name);
    if (!keys) problems.push(`${r.field}: Secret ${r.name} not found`);
    else if (!keys.includes(r.key)) problems.push(`${r.field}: Secret ${r.name} has no key ${r.key}`);
  }
  return validConfigStatus(obj, obj.spec, problems, now);
}

export function mcpExternalAuthConfigController(ctx: ControllerContext): Controller {
  const configs = rawKindInformer(ctx.informers, "MCPExternalAuthConfig");
  configs.addIndexer(AUTH_SECRET_INDEX, authSecretIndex);
  const secrets = secretKeysInformer(ctx.informers);
  const controller = objectStatusController(
    ctx,
    "mcpexternalauthconfig",
    configs,
    async (obj, { namespace }) => {
      const status = mcpExternalAuthConfigStatus(obj, (n) => secrets.get(namespace, n)?.keys);
      await writeStatusIfChanged(ctx, obj, status);
    },
  );
  secrets.onEvent((ev) => {
    const k = `${ev.obj.metadata.namespace ?? ""}/${ev.obj.metadata.name}`;
    for (const c of configs.byIndex(AUTH_SECRET_INDEX, k)) controller.enqueue(objectKey(c));
  });
  return controller;
}
