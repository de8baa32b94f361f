// Cedar authorization through the operator: inline, ConfigMap-sourced and MCPAuthzConfig-referenced
// policies reach the runtime's config.yaml (and roll the pods when they change); an invalid policy
// fails the VirtualMCPServer with the Cedar parser's message instead of reaching a pod.

import { createLogger } from "@vmcp/kube-kit/logger";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { mcpAuthzConfigController } from "../../../src/controllers/mcpauthzconfig.ts";
import { createVirtualMCPServerController } from "../../../src/controllers/virtualmcpserver/controller.ts";
import { type RunningOperator, startOperator } from "../../../src/manager.ts";
import { cond, create, get, mergePatch, mustGet, podChecksum, R, vmcpBody, waitFor } from "./vmcp-helpers.ts";

const kc = testKubeConfig();
let ns: TestNamespace;
let op: RunningOperator;
const n = () => ns.name;

const ALLOW_ECHO = 'permit(principal, action == Action::"call_tool", resource == Tool::"echo");';
const ADMINS = 'permit(principal in THVGroup::"admins", action, resource);';

beforeAll(async () => {
  ns = await createNamespace(kc, "vmcp-authz");
  op = await startOperator({
    kc,
    namespace: ns.name,
    leaderElection: false,
    controllers: [createVirtualMCPServerController, mcpAuthzConfigController],
    logger: createLogger({ level: "warn" }),
  });
  await create(kc, R.group, n(), { metadata: { name: "tools" }, spec: {} });
  await mergePatch(kc, R.group, n(), "tools", { status: { phase: "Ready" } }, true);
});

afterAll(async () => {
  await op?.stop();
  await ns?.delete();
});

const runtimeAuthz = async (vmcp: string) =>
  parse((await mustGet(kc, R.configmap, n(), `${vmcp}-vmcp-config`)).data?.["config.yaml"] ?? "")
    ?.incomingAuth?.authz;

const authzIs = (vmcp: string, policies: string[]) =>
  waitFor(`${vmcp} config.yaml carries the policies`, async () => {
    const authz = await get(kc, R.configmap, n(), `${vmcp}-vmcp-config`).then((cm) =>
      cm ? parse(cm.data?.["config.yaml"] ?? "")?.incomingAuth?.authz : undefined,
    );
    return JSON.stringify(authz?.policies) === JSON.stringify(policies) ? authz : undefined;
  });

const failedWith = (vmcp: string, reason: string) =>
  waitFor(`${vmcp} AuthConfigured=False/${reason}`, async () => {
    const v = await get(kc, R.vmcp, n(), vmcp);
    const c = cond(v, "AuthConfigured");
    return c?.status === "False" && c.reason === reason && v?.status?.phase === "Failed" ? v : undefined;
  });

describe("VirtualMCPServer incomingAuth authorization (operator)", () => {
  it("inline policies and claim settings reach the runtime config; the condition says so", async () => {
    await create(
      kc,
      R.vmcp,
      n(),
      vmcpBody("inline", {
        incomingAuth: {
          type: "anonymous",
          authzConfig: {
            type: "inline",
            inline: { policies: [ALLOW_ECHO] },
            groupClaimName: "groups",
            roleClaimName: "roles",
          },
        },
      }),
    );
    const authz = await authzIs("inline", [ALLOW_ECHO]);
    expect(authz).toEqual({
      type: "cedar",
      policies: [ALLOW_ECHO],
      entitiesJson: "[]",
      groupClaimName: "groups",
      roleClaimName: "roles",
    });
    await waitFor("AuthConfigured=True", async () => {
      const c = cond(await get(kc, R.vmcp, n(), "inline"), "AuthConfigured");
      return c?.status === "True";
    });
  });

  it("an invalid inline policy fails with the Cedar parser's message and creates no Deployment", async () => {
    await create(
      kc,
      R.vmcp,
      n(),
      vmcpBody("broken", {
        incomingAuth: {
          type: "anonymous",
          authzConfig: { type: "inline", inline: { policies: [ALLOW_ECHO, "permit(principal, action"] } },
        },
      }),
    );
    const v = await failedWith("broken", "AuthInvalid");
    expect(cond(v, "AuthConfigured")?.message).toContain(
      "spec.incomingAuth.authzConfig.inline: policies[1]: failed to parse policy with id `policy1` from string: unexpected end of input",
    );
    expect(await get(kc, R.deployment, n(), "broken")).toBeUndefined();
  });

  it("ConfigMap-sourced policies: missing, invalid, then valid; a change rolls the Deployment", async () => {
    await create(
      kc,
      R.vmcp,
      n(),
      vmcpBody("from-cm", {
        incomingAuth: {
          type: "anonymous",
          authzConfig: { type: "configMap", configMap: { name: "policies" } },
        },
      }),
    );
    await failedWith("from-cm", "AuthzConfigMapNotFound");
    const file = (policies: string[]) =>
      JSON.stringify({ version: "1.0", type: "cedarv1", cedar: { policies } });
    await create(kc, R.configmap, n(), {
      metadata: { name: "policies" },
      data: { "authz.json": file(["nope"]) },
    });
    const bad = await failedWith("from-cm", "AuthzConfigMapInvalid");
    expect(cond(bad, "AuthConfigured")?.message).toMatch(
      /^Authorization ConfigMap policies key authz.json: policies\[0\]: /,
    );

    await mergePatch(kc, R.configmap, n(), "policies", { data: { "authz.json": file([ALLOW_ECHO]) } });
    await authzIs("from-cm", [ALLOW_ECHO]);
    const before = await waitFor("Deployment", async () =>
      podChecksum(await get(kc, R.deployment, n(), "from-cm")),
    );

    // YAML is accepted too, as ToolHive does.
    const yaml = `version: "1.0"\ntype: cedarv1\ncedar:\n  policies:\n    - '${ALLOW_ECHO}'\n    - '${ADMINS}'\n`;
    await mergePatch(kc, R.configmap, n(), "policies", { data: { "authz.json": yaml } });
    await authzIs("from-cm", [ALLOW_ECHO, ADMINS]);
    // The policy change is a rollout: the pod template's config checksum moves.
    await waitFor("rollout", async () => {
      const c = podChecksum(await get(kc, R.deployment, n(), "from-cm"));
      return c && c !== before ? c : undefined;
    });
  });

  it("authzConfigRef: the MCPAuthzConfig's Valid condition, hash and references, and its policies", async () => {
    await create(
      kc,
      R.vmcp,
      n(),
      vmcpBody("by-ref", { incomingAuth: { type: "anonymous", authzConfigRef: { name: "shared" } } }),
    );
    const missing = await waitFor("AuthzConfigRefNotFound", async () => {
      const v = await get(kc, R.vmcp, n(), "by-ref");
      return cond(v, "AuthzConfigRefValidated")?.reason === "AuthzConfigRefNotFound" ? v : undefined;
    });
    expect(missing.status.phase).toBe("Failed");

    await create(kc, R.authz, n(), {
      metadata: { name: "shared" },
      spec: { type: "cedarv1", config: { policies: [ALLOW_ECHO], group_claim_name: "teams" } },
    });
    const cfg = await waitFor("MCPAuthzConfig Valid", async () => {
      const c = await get(kc, R.authz, n(), "shared");
      return cond(c, "Valid")?.status === "True" && c?.status?.referenceCount === 1 ? c : undefined;
    });
    expect(cfg.status.configHash).toMatch(/^[0-9a-f]{16,}$/);
    expect(cfg.status.referencingWorkloads).toEqual([{ kind: "VirtualMCPServer", name: "by-ref" }]);
    expect(await authzIs("by-ref", [ALLOW_ECHO])).toMatchObject({ groupClaimName: "teams" });

    await mergePatch(kc, R.authz, n(), "shared", { spec: { config: { policies: ["forbid(principal"] } } });
    const invalid = await waitFor("MCPAuthzConfig Valid=False", async () => {
      const c = await get(kc, R.authz, n(), "shared");
      return cond(c, "Valid")?.status === "False" ? c : undefined;
    });
    expect(cond(invalid, "Valid")?.message).toContain("policies[0]: failed to parse policy");
    const v = await waitFor("AuthzConfigRefNotValid", async () => {
      const o = await get(kc, R.vmcp, n(), "by-ref");
      return cond(o, "AuthzConfigRefValidated")?.reason === "AuthzConfigRefNotValid" ? o : undefined;
    });
    expect(v.status.phase).toBe("Failed");

    await mergePatch(kc, R.authz, n(), "shared", { spec: { type: "httpv1", config: { http: {} } } });
    await waitFor("httpv1 rejected", async () => {
      const c = await get(kc, R.authz, n(), "shared");
      return cond(c, "Valid")?.message.includes("type httpv1 is not supported") ? c : undefined;
    });
    expect(await runtimeAuthz("by-ref")).toMatchObject({ policies: [ALLOW_ECHO] });
  });
});
