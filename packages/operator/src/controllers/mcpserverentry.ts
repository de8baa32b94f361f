import { type InformerEvent, objectKey } from "@vmcp/kube-kit/informer";
import { type ConditionInput, MCPServerEntrySpecSchema } from "@vmcp/shared-types";
import type { ControllerContext } from "../kit/context.ts";
import type { Controller } from "../kit/controller.ts";
import { configMapKeysInformer, type RawObject, rawKindInformer, secretKeysInformer } from "../kit/kinds.ts";
import { groupExistsOnServer } from "../kit/lagging-cache.ts";
import { objectStatusController } from "../kit/object-controller.ts";
import { issueMessages, ownedConditions, writeStatusIfChanged } from "../kit/status.ts";
import { GROUP_REF_INDEX, groupRefIndex } from "./mcpgroup.ts";
import { validateRemoteUrl } from "./mcpserverentry-url.ts";

export const ENTRY_AUTH_INDEX = "spec.externalAuthConfigRef.name";
export const ENTRY_CONFIGMAP_INDEX = "spec.caBundleRef.configMapRef.name";
export const ENTRY_SECRET_INDEX = "spec.headerForward.addHeadersFromSecret.valueSecretRef.name";

/** What an entry's validation looks up, answered from the informer caches. */
export interface EntryLookups {
  groupExists(name: string): boolean;
  authConfigExists(name: string): boolean;
  /** Keys of a ConfigMap, undefined when it does not exist. */
  configMapKeys(name: string): string[] | undefined;
  secretKeys(name: string): string[] | undefined;
}

interface EntrySpecView {
  remoteUrl?: unknown;
  allowPrivateEndpoint?: unknown;
  groupRef?: { name?: unknown };
  externalAuthConfigRef?: { name?: unknown };
  caBundleRef?: { configMapRef?: { name?: unknown; key?: unknown } };
  headerForward?: {
    addHeadersFromSecret?: { headerName?: unknown; valueSecretRef?: { name?: unknown; key?: unknown } }[];
  };
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

function refIndex(pick: (s: EntrySpecView) => unknown[]) {
  return (obj: RawObject): string[] => {
    const spec = (obj.spec ?? {}) as EntrySpecView;
    const ns = obj.metadata.namespace ?? "";
    return [
      ...new Set(
        pick(spec)
          .map(str)
          .filter((n): n is string => !!n),
      ),
    ].map((n) => `${ns}/${n}`);
  };
}
export const entryAuthIndex = refIndex((s) => [s.externalAuthConfigRef?.name]);
export const entryConfigMapIndex = refIndex((s) => [s.caBundleRef?.configMapRef?.name]);
export const entrySecretIndex = refIndex((s) =>
  (s.headerForward?.addHeadersFromSecret ?? []).map((h) => h.valueSecretRef?.name),
);

/**
 * Status of an MCPServerEntry: one condition per reference, `Valid` summarising them,
 * phase Valid or Failed. Never probes the URL.
 */
export function mcpServerEntryStatus(
  entry: RawObject,
  lookups: EntryLookups,
  opts: { allowLoopback?: boolean } = {},
  now = new Date(),
): Record<string, unknown> {
  const gen = entry.metadata.generation;
  const spec = (entry.spec ?? {}) as EntrySpecView;
  const conds: ConditionInput[] = [];
  const cond = (type: string, ok: boolean, reason: string, message: string) =>
    conds.push({ type, status: ok ? "True" : "False", reason, message, observedGeneration: gen });

  const parsed = MCPServerEntrySpecSchema.safeParse(entry.spec);
  const schemaError = parsed.success ? undefined : issueMessages(parsed.error).join("; ");

  const url = str(spec.remoteUrl);
  const urlError =
    url === undefined
      ? "remoteUrl is required"
      : validateRemoteUrl(url, {
          allowPrivateEndpoint: spec.allowPrivateEndpoint === true,
          allowLoopback: opts.allowLoopback,
        });
  cond(
    "RemoteURLValidated",
    !urlError,
    urlError ? "RemoteURLInvalid" : "RemoteURLValid",
    urlError ?? "Remote URL is valid",
  );

  const group = str(spec.groupRef?.name);
  const groupOk = group !== undefined && lookups.groupExists(group);
  cond(
    "GroupRefValidated",
    groupOk,
    groupOk ? "GroupRefValid" : "GroupRefNotFound",
    groupOk ? `MCPGroup ${group} found` : `MCPGroup ${group ?? "(unset)"} not found`,
  );

  const auth = str(spec.externalAuthConfigRef?.name);
  if (auth === undefined)
    cond(
      "ExternalAuthConfigValidated",
      true,
      "AuthConfigNotConfigured",
      "No external auth config referenced",
    );
  else if (lookups.authConfigExists(auth))
    cond("ExternalAuthConfigValidated", true, "AuthConfigValid", `MCPExternalAuthConfig ${auth} found`);
  else
    cond(
      "ExternalAuthConfigValidated",
      false,
      "AuthConfigNotFound",
      `MCPExternalAuthConfig ${auth} not found`,
    );

  const cm = str(spec.caBundleRef?.configMapRef?.name);
  const cmKey = str(spec.caBundleRef?.configMapRef?.key) ?? "ca.crt";
  if (cm === undefined)
    cond("CABundleRefValidated", true, "CABundleRefNotConfigured", "No CA bundle referenced");
  else {
    const keys = lookups.configMapKeys(cm);
    if (!keys) cond("CABundleRefValidated", false, "CABundleRefNotFound", `ConfigMap ${cm} not found`);
    else if (!keys.includes(cmKey))
      cond("CABundleRefValidated", false, "CABundleRefNotFound", `ConfigMap ${cm} has no key ${cmKey}`);
    else
      cond("CABundleRefValidated", true, "CABundleRefValid", `CA bundle ConfigMap ${cm} key ${cmKey} found`);
  }

  const missing: string[] = [];
  for (const h of spec.headerForward?.addHeadersFromSecret ?? []) {
    const name = str(h.valueSecretRef?.name);
    const key = str(h.valueSecretRef?.key);
    if (!name || !key) continue;
    const keys = lookups.secretKeys(name);
    if (!keys) missing.push(`Secret ${name} not found`);
    else if (!keys.includes(key)) missing.push(`Secret ${name} has no key ${key}`);
  }
  cond(
    "HeaderSecretRefsValidated",
    missing.length === 0,
    missing.length === 0 ? "HeaderSecretsValid" : "HeaderSecretNotFound",
    missing.length === 0 ? "Header secrets found" : [...new Set(missing)].join("; "),
  );

  const failed = conds.filter((c) => c.status === "False").map((c) => c.message);
  if (schemaError) failed.unshift(schemaError);
  cond(
    "Valid",
    failed.length === 0,
    failed.length === 0 ? "ConfigValid" : "ConfigInvalid",
    failed.length === 0 ? "Entry is valid" : failed.join("; "),
  );

  return {
    observedGeneration: gen,
    phase: failed.length === 0 ? "Valid" : "Failed",
    conditions: ownedConditions(entry.status?.conditions, conds, now),
  };
}

/** MCPServerEntry controller: validates references, writes phase Valid/Failed; re-runs when a referenced object changes. */
export function mcpServerEntryController(ctx: ControllerContext): Controller {
  const entries = rawKindInformer(ctx.informers, "MCPServerEntry");
  entries.addIndexer(GROUP_REF_INDEX, groupRefIndex);
  entries.addIndexer(ENTRY_AUTH_INDEX, entryAuthIndex);
  entries.addIndexer(ENTRY_CONFIGMAP_INDEX, entryConfigMapIndex);
  entries.addIndexer(ENTRY_SECRET_INDEX, entrySecretIndex);
  const groups = rawKindInformer(ctx.informers, "MCPGroup");
  const authConfigs = rawKindInformer(ctx.informers, "MCPExternalAuthConfig");
  const configMaps = configMapKeysInformer(ctx.informers);
  const secrets = secretKeysInformer(ctx.informers);

  const controller = objectStatusController(ctx, "mcpserverentry", entries, async (entry, { namespace }) => {
    const group = str((entry.spec as EntrySpecView | undefined)?.groupRef?.name);
    if (group && !groups.get(namespace, group) && (await groupExistsOnServer(ctx.kc, namespace, group))) {
      ctx.logger.debug({ entry: entry.metadata.name, group }, "group not in the cache yet");
      return;
    }
    const status = mcpServerEntryStatus(
      entry,
      {
        groupExists: (n) => groups.get(namespace, n) !== undefined,
        authConfigExists: (n) => authConfigs.get(namespace, n) !== undefined,
        configMapKeys: (n) => configMaps.get(namespace, n)?.keys,
        secretKeys: (n) => secrets.get(namespace, n)?.keys,
      },
      { allowLoopback: ctx.settings.allowLoopbackEntries },
    );
    const before = entry.status?.phase;
    if (await writeStatusIfChanged(ctx, entry, status)) {
      if (status.phase !== before && status.phase === "Failed") {
        const valid = (status.conditions as { type: string; message: string }[]).find(
          (c) => c.type === "Valid",
        );
        ctx.events.record(entry, "Warning", "ValidationFailed", valid?.message ?? "entry is invalid");
      }
    }
  });
  // A change to a referenced object re-validates the entries that name it (create, delete and update
  // alike: existence and keys are what we check).
  const mapTo =
    (index: string) => (ev: InformerEvent<{ metadata?: { name?: string; namespace?: string } }>) => {
      const k = `${ev.obj.metadata?.namespace ?? ""}/${ev.obj.metadata?.name ?? ""}`;
      for (const e of entries.byIndex(index, k)) controller.enqueue(objectKey(e));
    };
  groups.onEvent(mapTo(GROUP_REF_INDEX));
  authConfigs.onEvent(mapTo(ENTRY_AUTH_INDEX));
  configMaps.onEvent(mapTo(ENTRY_CONFIGMAP_INDEX));
  secrets.onEvent(mapTo(ENTRY_SECRET_INDEX));
  return controller;
}
