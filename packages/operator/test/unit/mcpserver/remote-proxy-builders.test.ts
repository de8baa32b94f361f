import type { V1Deployment } from "@kubernetes/client-node";
import { API_VERSION, MCPRemoteProxySchema, VmcpConfigSchema } from "@vmcp/shared-types";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  buildRemoteProxyConfigMap,
  buildRemoteProxyDeployment,
  buildRemoteProxyService,
  planRemoteProxy,
  type RemoteProxyRefs,
  remoteProxyUrl,
} from "../../../src/builders/remote-proxy/workload.ts";
import { configHash } from "../../../src/kit/hash.ts";
import { authConfig, headerAuth, oidcConfig } from "../virtualmcpserver/fixtures.ts";

const proxy = (spec: Record<string, unknown> = {}) =>
  MCPRemoteProxySchema.parse({
    apiVersion: API_VERSION,
    kind: "MCPRemoteProxy",
    metadata: { name: "crm", namespace: "team", uid: "uid-p", generation: 2 },
    spec: { remoteUrl: "https://crm.example.com/mcp", ...spec },
  });
const owner = { apiVersion: API_VERSION, kind: "MCPRemoteProxy", name: "crm", uid: "uid-p" };
const noRefs: RemoteProxyRefs = { oidcConfigs: new Map(), authConfigs: new Map() };
const remoteProxyConfig = (p: ReturnType<typeof proxy>, refs = noRefs) => planRemoteProxy(p, refs).config;
const input = (spec: Record<string, unknown> = {}, refs = noRefs) => {
  const p = proxy(spec);
  return { proxy: p, owner, image: "localhost/vmcp:1", plan: planRemoteProxy(p, refs) };
};

describe("MCPRemoteProxy builders", () => {
  it("config.yaml: one static backend at remoteUrl, bare tool names (priority), anonymous, valid for the runtime", () => {
    const cfg = VmcpConfigSchema.parse(remoteProxyConfig(proxy({ allowPrivateEndpoint: true })));
    expect(cfg.backends).toEqual([
      {
        name: "crm",
        url: "https://crm.example.com/mcp",
        transport: "streamable-http",
        metadata: { address_policy: "true", allow_private_endpoint: "true", allow_loopback: "false" },
      },
    ]);
    expect(cfg.aggregation.conflictResolution).toBe("priority");
    expect(cfg.aggregation.conflictResolutionConfig.priorityOrder).toEqual(["crm"]);
    expect(cfg.incomingAuth).toEqual({ type: "anonymous" });
    // The address actually dialled is checked in the pod (DNS rebinding to a metadata address).
    expect(remoteProxyConfig(proxy()).backends?.[0]?.metadata).toEqual({
      address_policy: "true",
      allow_private_endpoint: "false",
      allow_loopback: "false",
    });
    expect(
      planRemoteProxy(proxy(), noRefs, { allowLoopback: true }).config.backends?.[0]?.metadata
        ?.allow_loopback,
    ).toBe("true");
    const cm = buildRemoteProxyConfigMap(input());
    expect(cm.metadata?.name).toBe("crm-remote-proxy-config");
    expect(parse(cm.data?.["config.yaml"] ?? "")).toMatchObject({
      name: "crm",
      backends: [{ url: "https://crm.example.com/mcp" }],
    });
  });

  it("Deployment: the runtime image, serve --config, restricted, no token by default, rolls when the config changes", () => {
    const d = buildRemoteProxyDeployment(input());
    const pod = d.spec?.template.spec;
    const c = pod?.containers[0];
    expect(d.metadata?.name).toBe("crm-remote-proxy");
    expect(d.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "MCPRemoteProxy",
      uid: "uid-p",
      controller: true,
    });
    expect(c?.image).toBe("localhost/vmcp:1");
    expect(c?.args).toEqual([
      "serve",
      "--config=/etc/vmcp-config/config.yaml",
      "--host=0.0.0.0",
      "--port=4483",
      "--shutdown-delay=5s",
    ]);
    expect(c?.env).toBeUndefined(); // no VMCP_NAME: not Kubernetes mode, no status reporting
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(c?.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(d.spec?.replicas).toBeUndefined();
    expect(buildRemoteProxyDeployment(input({ replicas: 2 })).spec?.replicas).toBe(2);
    expect(
      buildRemoteProxyDeployment(input({ resources: { limits: { memory: "1Gi" } } })).spec?.template.spec
        ?.containers[0]?.resources?.limits,
    ).toEqual({ cpu: "500m", memory: "1Gi" });
    const sum = (x: ReturnType<typeof buildRemoteProxyDeployment>) =>
      x.spec?.template.metadata?.annotations?.["toolhive.stacklok.dev/content-checksum"];
    expect(sum(d)).toBe(sum(buildRemoteProxyDeployment(input())));
    expect(sum(d)).not.toBe(
      sum(buildRemoteProxyDeployment(input({ remoteUrl: "https://other.example.com/mcp" }))),
    );
  });

  it("Service mcp-<name>-remote-proxy: proxyPort -> 4483, sessionAffinity ClientIP unless set; status.url on it", () => {
    const svc = buildRemoteProxyService(input({ proxyPort: 9000 }));
    expect(svc.metadata?.name).toBe("mcp-crm-remote-proxy");
    expect(svc.spec?.ports).toEqual([{ name: "http", port: 9000, targetPort: "http", protocol: "TCP" }]);
    expect(svc.spec?.sessionAffinity).toBe("ClientIP");
    expect(buildRemoteProxyService(input({ sessionAffinity: "None" })).spec?.sessionAffinity).toBe("None");
    expect(remoteProxyUrl("crm", "team", 9000)).toBe(
      "http://mcp-crm-remote-proxy.team.svc.cluster.local:9000/mcp",
    );
  });

  it("trustProxyHeaders: false by default (ToolHive's), true refused: the proxy never trusts X-Forwarded-*", () => {
    expect(proxy().spec.trustProxyHeaders).toBe(false);
    expect(planRemoteProxy(proxy(), noRefs).refusal).toBeUndefined();
    expect(planRemoteProxy(proxy({ trustProxyHeaders: true }), noRefs).refusal).toMatchObject({
      type: "Valid",
      reason: "Unsupported",
      message: expect.stringMatching(/^trustProxyHeaders: /),
    });
  });

  it("transport sse: the proxy dials the remote over SSE and still serves Streamable HTTP at status.url", () => {
    const cfg = VmcpConfigSchema.parse(remoteProxyConfig(proxy({ transport: "sse" })));
    expect(cfg.backends?.[0]?.transport).toBe("sse");
    expect(planRemoteProxy(proxy({ transport: "sse" }), noRefs).refusal).toBeUndefined();
    expect(remoteProxyUrl("crm", "team", 8080)).toMatch(/\/mcp$/);
  });
});

const idp = (inline: Record<string, unknown> = {}) =>
  oidcConfig("idp", {
    type: "inline",
    inline: {
      issuer: "https://idp.example",
      jwksUrl: "https://idp.example/jwks",
      clientId: "crm-proxy",
      clientSecretRef: { name: "idp-client", key: "secret" },
      caBundleRef: { configMapRef: { name: "idp-ca", key: "ca.pem" } },
      ...inline,
    },
  });
const refs = (o: { oidc?: ReturnType<typeof idp>[]; auth?: ReturnType<typeof authConfig>[] }) => ({
  oidcConfigs: new Map((o.oidc ?? []).map((c) => [c.metadata.name ?? "", c])),
  authConfigs: new Map((o.auth ?? []).map((c) => [c.metadata.name ?? "", c])),
});
const container = (d: V1Deployment) => d.spec?.template.spec?.containers[0];
const OIDC_REF = { name: "idp", audience: "crm-proxy", scopes: ["crm"] };

describe("MCPRemoteProxy oidcConfigRef: the proxy's incoming OIDC", () => {
  it("renders the MCPOIDCConfig with the reference's audience and scopes; the client secret as Secret env, the CA mounted", () => {
    const r = refs({ oidc: [idp()] });
    const plan = planRemoteProxy(proxy({ oidcConfigRef: OIDC_REF }), r);
    expect(plan.refusal).toBeUndefined();
    expect(VmcpConfigSchema.parse(plan.config).incomingAuth).toEqual({
      type: "oidc",
      oidc: {
        issuer: "https://idp.example",
        jwksUrl: "https://idp.example/jwks",
        audience: "crm-proxy",
        clientId: "crm-proxy",
        clientSecretEnv: "VMCP_OIDC_CLIENT_SECRET",
        scopes: ["crm"],
        caBundlePath: "/etc/toolhive/ca-bundles/oidc-idp/ca.pem",
      },
    });
    expect(plan.hashes.oidcConfigHash).toBe(configHash(idp().spec));
    expect(plan.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "OIDCConfigRefValidated", status: "True" }),
        expect.objectContaining({ type: "AuthConfigured", status: "True", reason: "AuthValid" }),
      ]),
    );
    const i = input({ oidcConfigRef: OIDC_REF }, r);
    expect(JSON.stringify(buildRemoteProxyConfigMap(i).data)).not.toContain("idp-client");
    const d = buildRemoteProxyDeployment(i);
    expect(container(d)?.env).toEqual([
      { name: "VMCP_PUBLIC_URL", value: "http://mcp-crm-remote-proxy.team.svc.cluster.local:8080" },
      { name: "VMCP_OIDC_CLIENT_SECRET", valueFrom: { secretKeyRef: { name: "idp-client", key: "secret" } } },
    ]);
    expect(d.spec?.template.spec?.volumes).toContainEqual({
      name: expect.any(String),
      configMap: { name: "idp-ca", items: [{ key: "ca.pem", path: "ca.pem" }], optional: true },
    });
    expect(container(d)?.volumeMounts).toContainEqual(
      expect.objectContaining({ mountPath: "/etc/toolhive/ca-bundles/oidc-idp", readOnly: true }),
    );
  });

  it("refuses a missing or unusable MCPOIDCConfig (nothing deployed unauthenticated)", () => {
    const missing = planRemoteProxy(proxy({ oidcConfigRef: OIDC_REF }), noRefs);
    expect(missing.refusal).toMatchObject({ type: "Valid", reason: "AuthInvalid" });
    expect(missing.refusal?.message).toMatch(/MCPOIDCConfig idp not found/);
    expect(missing.conditions).toContainEqual(
      expect.objectContaining({ type: "AuthConfigured", status: "False" }),
    );
    const introspect = planRemoteProxy(
      proxy({ oidcConfigRef: OIDC_REF }),
      refs({ oidc: [idp({ introspectionUrl: "https://idp.example/introspect" })] }),
    );
    expect(introspect.refusal?.message).toMatch(/introspectionUrl/);
  });
});

describe("MCPRemoteProxy caBundleRef (not in ToolHive): trusting a private CA for the remote only", () => {
  it("mounts the ConfigMap and points the one backend at it; the issuer keeps its own MCPOIDCConfig CA", () => {
    const r = refs({ oidc: [idp()] });
    const spec = { caBundleRef: { configMapRef: { name: "crm-ca" } }, oidcConfigRef: OIDC_REF };
    const plan = planRemoteProxy(proxy(spec), r);
    expect(plan.refusal).toBeUndefined();
    const cfg = VmcpConfigSchema.parse(plan.config);
    expect(cfg.backends?.[0]).toMatchObject({
      url: "https://crm.example.com/mcp",
      type: "entry",
      caBundlePath: "/etc/toolhive/ca-bundles/remote/ca.crt",
    });
    // The remote's CA is not trusted for the issuer, nor the issuer's for the remote.
    expect(cfg.incomingAuth.oidc?.caBundlePath).toBe("/etc/toolhive/ca-bundles/oidc-idp/ca.pem");
    const d = buildRemoteProxyDeployment(input(spec, r));
    const vols = d.spec?.template.spec?.volumes ?? [];
    expect(vols).toContainEqual({
      name: "ca-bundle-remote",
      configMap: { name: "crm-ca", items: [{ key: "ca.crt", path: "ca.crt" }], optional: true },
    });
    expect(vols).toContainEqual(
      expect.objectContaining({ configMap: expect.objectContaining({ name: "idp-ca" }) }),
    );
    expect(container(d)?.volumeMounts).toContainEqual({
      name: "ca-bundle-remote",
      mountPath: "/etc/toolhive/ca-bundles/remote",
      readOnly: true,
    });
    // The PEM itself never goes into the config ConfigMap, only the path.
    expect(buildRemoteProxyConfigMap(input(spec, r)).data?.["config.yaml"]).toContain(
      "caBundlePath: /etc/toolhive/ca-bundles/remote/ca.crt",
    );
  });

  it("a custom key is mounted under its own name; a changed reference rolls the pod; unset: nothing mounted", () => {
    const keyed = buildRemoteProxyDeployment(
      input({ caBundleRef: { configMapRef: { name: "crm-ca", key: "bundle.pem" } } }),
    );
    expect(keyed.spec?.template.spec?.volumes).toContainEqual(
      expect.objectContaining({
        configMap: { name: "crm-ca", items: [{ key: "bundle.pem", path: "bundle.pem" }], optional: true },
      }),
    );
    const other = buildRemoteProxyDeployment(input({ caBundleRef: { configMapRef: { name: "other-ca" } } }));
    const sum = (d: V1Deployment) => d.spec?.template.metadata?.annotations;
    expect(sum(keyed)).not.toEqual(sum(other));
    const plain = buildRemoteProxyDeployment(input());
    expect(plain.spec?.template.spec?.volumes?.map((v) => v.name)).toEqual(["config", "tmp"]);
    const backend = remoteProxyConfig(proxy()).backends?.[0];
    expect(backend?.caBundlePath).toBeUndefined();
    expect(backend?.type).toBeUndefined();
  });

  it("the CRD schema takes ToolHive's MCPServerEntry shape: configMapRef.name required, key defaults to ca.crt", () => {
    expect(proxy({ caBundleRef: { configMapRef: { name: "crm-ca" } } }).spec.caBundleRef).toEqual({
      configMapRef: { name: "crm-ca", key: "ca.crt" },
    });
    expect(() => proxy({ caBundleRef: { configMapRef: {} } })).toThrow();
    expect(() => proxy({ caBundleRef: { secretRef: { name: "x" } } })).toThrow();
  });
});

describe("MCPRemoteProxy externalAuthConfigRef: the proxy's outgoing auth to the remote", () => {
  it("header injection: the strategy for the one backend, the value from its Secret as env, the hash in status", () => {
    const r = refs({ auth: [headerAuth("crm-key", "crm-secret", "key")] });
    const i = input({ externalAuthConfigRef: { name: "crm-key" } }, r);
    const cfg = VmcpConfigSchema.parse(i.plan.config);
    expect(cfg.outgoingAuth).toEqual({
      source: "inline",
      backends: {
        crm: {
          type: "header_injection",
          headerInjection: {
            headerName: "X-API-Key",
            headerValueEnv: "TOOLHIVE_HEADER_INJECTION_VALUE_CRM_KEY",
          },
        },
      },
    });
    expect(container(buildRemoteProxyDeployment(i))?.env).toEqual([
      {
        name: "TOOLHIVE_HEADER_INJECTION_VALUE_CRM_KEY",
        valueFrom: { secretKeyRef: { name: "crm-secret", key: "key" } },
      },
    ]);
    expect(i.plan.hashes.externalAuthConfigHash).toBe(
      configHash(headerAuth("crm-key", "crm-secret", "key").spec),
    );
    expect(i.plan.conditions).toContainEqual(
      expect.objectContaining({ type: "ExternalAuthConfigValidated", status: "True" }),
    );
  });

  it("token exchange needs the validated caller token: refused without oidcConfigRef, rendered with it", () => {
    const te = authConfig("sts", {
      type: "tokenExchange",
      tokenExchange: {
        tokenUrl: "https://sts.example/token",
        clientId: "crm",
        clientSecretRef: { name: "sts", key: "secret" },
        audience: "crm-api",
      },
    });
    const alone = planRemoteProxy(proxy({ externalAuthConfigRef: { name: "sts" } }), refs({ auth: [te] }));
    expect(alone.refusal).toMatchObject({ reason: "ExternalAuthConfigInvalid" });
    expect(alone.refusal?.message).toMatch(/set oidcConfigRef/);
    expect(alone.conditions).toContainEqual(
      expect.objectContaining({
        type: "ExternalAuthConfigValidated",
        status: "False",
        reason: "TokenExchangeNeedsOIDC",
      }),
    );
    const both = planRemoteProxy(
      proxy({ externalAuthConfigRef: { name: "sts" }, oidcConfigRef: OIDC_REF }),
      refs({ auth: [te], oidc: [idp()] }),
    );
    expect(both.refusal).toBeUndefined();
    expect(both.config.outgoingAuth?.backends?.crm?.type).toBe("token_exchange");
    expect(both.secretEnv.map((e) => e.env)).toEqual(
      expect.arrayContaining(["VMCP_OIDC_CLIENT_SECRET", "TOOLHIVE_TOKEN_EXCHANGE_CLIENT_SECRET_STS"]),
    );
  });

  it("refuses a missing or invalid MCPExternalAuthConfig", () => {
    const missing = planRemoteProxy(proxy({ externalAuthConfigRef: { name: "nope" } }), noRefs);
    expect(missing.refusal).toMatchObject({ type: "Valid", reason: "ExternalAuthConfigInvalid" });
    expect(missing.refusal?.message).toMatch(/nope not found/);
    const invalid = authConfig(
      "bad",
      { type: "unauthenticated" },
      {
        conditions: [
          {
            type: "Valid",
            status: "False",
            reason: "Broken",
            message: "broken",
            lastTransitionTime: "2026-01-01T00:00:00Z",
          },
        ],
      },
    );
    expect(
      planRemoteProxy(proxy({ externalAuthConfigRef: { name: "bad" } }), refs({ auth: [invalid] })).refusal
        ?.message,
    ).toBe("broken");
  });
});

describe("MCPRemoteProxy headerForward: fixed headers on every request to the remote", () => {
  it("plaintext values in the config, Secret values as env vars the config names (never the value)", () => {
    const i = input({
      headerForward: {
        addPlaintextHeaders: { "X-Tenant": "acme", "X-Region": "eu" },
        addHeadersFromSecret: [{ headerName: "X-Api-Key", valueSecretRef: { name: "crm-keys", key: "api" } }],
      },
    });
    expect(i.plan.refusal).toBeUndefined();
    expect(VmcpConfigSchema.parse(i.plan.config).backends?.[0]?.headers).toEqual([
      { name: "X-Region", value: "eu" },
      { name: "X-Tenant", value: "acme" },
      { name: "X-Api-Key", valueEnv: "VMCP_HEADER_FORWARD_X_API_KEY" },
    ]);
    expect(container(buildRemoteProxyDeployment(i))?.env).toEqual([
      {
        name: "VMCP_HEADER_FORWARD_X_API_KEY",
        valueFrom: { secretKeyRef: { name: "crm-keys", key: "api" } },
      },
    ]);
    expect(JSON.stringify(buildRemoteProxyConfigMap(i).data)).not.toContain("crm-keys");
  });

  it("refuses hop-by-hop headers, the ones the gateway owns and two spellings of one header", () => {
    const refusal = (headerForward: Record<string, unknown>) =>
      planRemoteProxy(proxy({ headerForward }), noRefs).refusal;
    expect(refusal({ addPlaintextHeaders: { Connection: "close" } })).toMatchObject({
      reason: "HeaderForwardInvalid",
      message: expect.stringMatching(/Connection .*hop-by-hop/),
    });
    for (const h of [
      "Host",
      "Transfer-Encoding",
      "Content-Type",
      "Mcp-Session-Id",
      "Proxy-Authorization",
      "Accept",
    ])
      expect(refusal({ addPlaintextHeaders: { [h]: "x" } })?.message).toMatch(
        new RegExp(`^headerForward: ${h} `),
      );
    expect(
      refusal({
        addPlaintextHeaders: { "x-api-key": "a" },
        addHeadersFromSecret: [{ headerName: "X-API-Key", valueSecretRef: { name: "s", key: "k" } }],
      })?.message,
    ).toMatch(/name the same header/);
    expect(
      refusal({ addPlaintextHeaders: { Authorization: "Bearer static", "X-Forwarded-For": "10.0.0.1" } }),
    ).toBeUndefined();
  });
});
