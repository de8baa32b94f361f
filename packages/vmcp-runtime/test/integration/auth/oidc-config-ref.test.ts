// MCPOIDCConfig through the real operator and API server into the runtime: the apiserver fills the
// defaults, the operator resolves oidcConfigRef into config.yaml (client secret as an env var from
// its Secret), and the runtime validates tokens of a local issuer with exactly that config. An
// unsupported setting turns the MCPOIDCConfig Valid=False and fails the server that uses it.
import { type RunningOperator, startOperator } from "@vmcp/operator";
import { mcpOidcConfigController } from "@vmcp/operator/controllers/mcpoidcconfig";
import { createVirtualMCPServerController } from "@vmcp/operator/controllers/virtualmcpserver/controller";
import { kubeRequest } from "@vmcp/operator/kit/http";
import { createLogger } from "@vmcp/operator/kit/logger";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIncomingAuth } from "../../../src/auth/incoming.ts";
import { loadConfigText } from "../../../src/config/load.ts";
import { createCr, GROUP_NAME, getCr, type Obj, patchStatus, waitFor } from "../status-k8s/harness.ts";
import { type LocalIdp, startLocalIdp } from "./local-idp.ts";

const kc = testKubeConfig();
let ns: TestNamespace;
let op: RunningOperator;
let idp: LocalIdp;
const AUDIENCE = "vmcp-oidc-demo";

type Cond = { type: string; status: string; reason: string; message: string };
const cond = (o: Obj | undefined, type: string): Cond | undefined =>
  (o?.status?.conditions as Cond[] | undefined)?.find((c) => c.type === type);
const oidcPath = (name: string) =>
  `/apis/toolhive.stacklok.dev/v1beta1/namespaces/${ns.name}/mcpoidcconfigs/${name}`;
const mergePatchSpec = (name: string, spec: unknown) =>
  kubeRequest(kc, {
    method: "PATCH",
    path: oidcPath(name),
    body: { spec },
    contentType: "application/merge-patch+json",
  });
const configYaml = async (vmcp: string) =>
  (
    await kubeRequest<{ data?: Record<string, string> }>(kc, {
      method: "GET",
      path: `/api/v1/namespaces/${ns.name}/configmaps/${vmcp}-vmcp-config`,
    }).catch(() => undefined)
  )?.data?.["config.yaml"];

beforeAll(async () => {
  ns = await createNamespace(kc, "rt-oidc-ref");
  idp = await startLocalIdp();
  op = await startOperator({
    kc,
    namespace: ns.name,
    leaderElection: false,
    controllers: [createVirtualMCPServerController, mcpOidcConfigController],
    logger: createLogger({ level: "warn" }),
  });
  await createCr(kc, ns.name, "mcpgroups", GROUP_NAME, {});
  await patchStatus(kc, ns.name, "mcpgroups", GROUP_NAME, { phase: "Ready" });
}, 60_000);

afterAll(async () => {
  await op?.stop();
  await idp?.close();
  await ns?.delete();
});

describe("MCPOIDCConfig and oidcConfigRef", () => {
  it("round-trips through the API server with ToolHive's defaults and is reported Valid with a config hash", async () => {
    await createCr(kc, ns.name, "mcpoidcconfigs", "minimal", {
      type: "inline",
      inline: { issuer: "https://idp.example" },
    });
    const stored = (await getCr(kc, ns.name, "mcpoidcconfigs", "minimal")) as Obj & {
      spec: { inline: Record<string, unknown> };
    };
    expect(stored.spec.inline).toEqual({
      issuer: "https://idp.example",
      jwksAllowPrivateIP: false,
      protectedResourceAllowPrivateIP: false,
      insecureAllowHTTP: false,
    });
    const ready = await waitFor("minimal Valid=True", async () => {
      const o = await getCr(kc, ns.name, "mcpoidcconfigs", "minimal");
      return cond(o, "Valid")?.status === "True" ? o : undefined;
    });
    expect(ready.status.configHash).toMatch(/^[0-9a-f]{8,}$/);
    expect(ready.status.referenceCount).toBe(0);
  });

  it("drives the runtime's token validation; a change to the MCPOIDCConfig re-reconciles the server", async () => {
    await createCr(kc, ns.name, "mcpoidcconfigs", "local", {
      type: "inline",
      inline: {
        issuer: idp.issuer,
        jwksUrl: idp.jwksUrl,
        clientId: "vmcp",
        clientSecretRef: { name: "idp-client", key: "secret" },
        jwksAllowPrivateIP: true,
        insecureAllowHTTP: true,
      },
    });
    await createCr(kc, ns.name, "virtualmcpservers", "guarded", {
      groupRef: { name: GROUP_NAME },
      incomingAuth: { type: "oidc", oidcConfigRef: { name: "local", audience: AUDIENCE } },
    });
    const yaml = await waitFor("config.yaml", () => configYaml("guarded"));
    expect(yaml).not.toContain("idp-client");
    const loaded = loadConfigText(yaml, { VMCP_OIDC_CLIENT_SECRET: "not-in-any-configmap" });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const auth = createIncomingAuth(loaded.config.incomingAuth, { resourceUrl: "http://127.0.0.1:1" });

    const good = await idp.sign({ sub: "alice", iss: idp.issuer, aud: AUDIENCE }, { expiresIn: "5m" });
    const other = await idp.sign(
      { sub: "alice", iss: idp.issuer, aud: "another-server" },
      { expiresIn: "5m" },
    );
    const ok = await auth.authenticate({ authorization: `Bearer ${good}` });
    expect(ok).toMatchObject({ ok: true, identity: { subject: "alice", issuer: idp.issuer } });
    expect(await auth.authenticate({ authorization: `Bearer ${other}` })).toMatchObject({
      ok: false,
      status: 401,
    });
    expect(await auth.authenticate({})).toMatchObject({ ok: false, status: 401 });

    const v = await waitFor("AuthConfigured=True", async () => {
      const o = await getCr(kc, ns.name, "virtualmcpservers", "guarded");
      return cond(o, "AuthConfigured")?.status === "True" ? o : undefined;
    });
    expect(cond(v, "OIDCConfigRefValidated")?.status).toBe("True");
    const local = await waitFor("referenceCount=1", async () => {
      const o = await getCr(kc, ns.name, "mcpoidcconfigs", "local");
      return o.status?.referenceCount === 1 && o.status.referencingWorkloads?.[0]?.name === "guarded"
        ? o
        : undefined;
    });
    expect(v.status.oidcConfigHash).toBe(local.status.configHash);

    // An unsupported setting: the MCPOIDCConfig says so, and so does the server that uses it.
    await mergePatchSpec("local", { inline: { introspectionUrl: `${idp.issuer}/introspect` } });
    const invalid = await waitFor("local Valid=False", async () => {
      const o = await getCr(kc, ns.name, "mcpoidcconfigs", "local");
      return cond(o, "Valid")?.status === "False" ? o : undefined;
    });
    expect(cond(invalid, "Valid")?.message).toContain("inline.introspectionUrl is not implemented");
    const failed = await waitFor("guarded AuthConfigured=False", async () => {
      const o = await getCr(kc, ns.name, "virtualmcpservers", "guarded");
      return cond(o, "AuthConfigured")?.status === "False" && o.status?.phase === "Failed" ? o : undefined;
    });
    expect(cond(failed, "AuthConfigured")?.message).toBe(
      "MCPOIDCConfig local is not valid: inline.introspectionUrl is not implemented by this gateway: only JWT access tokens are validated",
    );

    await mergePatchSpec("local", { inline: { introspectionUrl: null } });
    await waitFor("guarded AuthConfigured=True again", async () => {
      const o = await getCr(kc, ns.name, "virtualmcpservers", "guarded");
      return cond(o, "AuthConfigured")?.status === "True";
    });
  });
});
