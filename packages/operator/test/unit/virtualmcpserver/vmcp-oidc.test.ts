import type { V1Deployment } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { evaluate } from "../../../src/builders/evaluate.ts";
import { generateVmcpConfig } from "../../../src/builders/vmcp-config.ts";
import { configHash } from "../../../src/kit/hash.ts";
import { oidcConfig, vmcp, world } from "./fixtures.ts";

const opts = { image: "vmcp:test" };
const oidcVmcp = (name = "idp") =>
  vmcp({
    incomingAuth: {
      type: "oidc",
      oidcConfigRef: { name, audience: "vmcp-demo", scopes: ["mcp"], resourceUrl: "https://mcp.example/mcp" },
    },
  });
const inlineIdp = (inline: Record<string, unknown> = {}) =>
  oidcConfig("idp", {
    type: "inline",
    inline: {
      issuer: "https://idp.example",
      jwksUrl: "https://idp.example/jwks",
      clientId: "vmcp",
      clientSecretRef: { name: "idp-client", key: "secret" },
      caBundleRef: { configMapRef: { name: "idp-ca" } },
      ...inline,
    },
  });

describe("oidcConfigRef -> the runtime's OIDC config", () => {
  it("resolves issuer, JWKS, client and CA from the MCPOIDCConfig and audience/scopes/resource from the reference", () => {
    const gen = generateVmcpConfig(world({ vmcp: oidcVmcp(), oidcConfigs: [inlineIdp()] }));
    if (!gen.ok) throw new Error(gen.message);
    expect(gen.value.config.incomingAuth).toEqual({
      type: "oidc",
      oidc: {
        issuer: "https://idp.example",
        jwksUrl: "https://idp.example/jwks",
        audience: "vmcp-demo",
        clientId: "vmcp",
        clientSecretEnv: "VMCP_OIDC_CLIENT_SECRET",
        scopes: ["mcp"],
        resource: "https://mcp.example/mcp",
        caBundlePath: "/etc/toolhive/ca-bundles/oidc-idp/ca.crt",
      },
    });
    expect(gen.conditions).toContainEqual(
      expect.objectContaining({ type: "OIDCConfigRefValidated", status: "True" }),
    );
    expect(gen.conditions).toContainEqual(
      expect.objectContaining({ type: "AuthConfigured", status: "True" }),
    );
  });

  it("puts the client secret in the pod as an env var from its Secret, never in the ConfigMap, and mounts the CA", () => {
    const ev = evaluate(world({ vmcp: oidcVmcp(), oidcConfigs: [inlineIdp()] }), opts);
    expect(ev.blocked).toBeUndefined();
    expect(ev.oidcConfigHash).toBe(configHash(inlineIdp().spec));
    const cm = ev.objects.find((o) => o.kind === "ConfigMap") as { data?: Record<string, string> };
    expect(JSON.stringify(cm.data)).not.toContain("idp-client");
    const dep = ev.objects.find((o) => o.kind === "Deployment") as V1Deployment;
    const pod = dep.spec?.template.spec;
    const env = pod?.containers[0]?.env ?? [];
    expect(env).toContainEqual({
      name: "VMCP_OIDC_CLIENT_SECRET",
      valueFrom: { secretKeyRef: { name: "idp-client", key: "secret" } },
    });
    expect(pod?.volumes?.some((v) => v.configMap?.name === "idp-ca")).toBe(true);
    expect(pod?.containers[0]?.volumeMounts).toContainEqual(
      expect.objectContaining({ mountPath: "/etc/toolhive/ca-bundles/oidc-idp", readOnly: true }),
    );
  });

  it("a missing MCPOIDCConfig fails AuthConfigured and OIDCConfigRefValidated, naming it", () => {
    const ev = evaluate(world({ vmcp: oidcVmcp("nope") }), opts);
    expect(ev.blocked).toMatchObject({ phase: "Failed", message: "Referenced MCPOIDCConfig nope not found" });
    expect(ev.conditions).toContainEqual(
      expect.objectContaining({ type: "AuthConfigured", status: "False", reason: "AuthInvalid" }),
    );
    expect(ev.conditions).toContainEqual(
      expect.objectContaining({
        type: "OIDCConfigRefValidated",
        status: "False",
        reason: "OIDCConfigRefNotFound",
      }),
    );
  });

  it.each([
    [{ introspectionUrl: "https://idp.example/introspect" }, "inline.introspectionUrl is not implemented"],
    [{ jwksAuthTokenPath: "/var/run/token" }, "inline.jwksAuthTokenPath is not implemented"],
  ])("an unsupported setting %j fails with a message naming it", (extra, expected) => {
    const ev = evaluate(world({ vmcp: oidcVmcp(), oidcConfigs: [inlineIdp(extra)] }), opts);
    expect(ev.blocked?.message).toContain(expected);
    expect(ev.objects).toEqual([]);
  });

  it("kubernetesServiceAccount is refused by name rather than served half-working", () => {
    const ksa = oidcConfig("idp", { type: "kubernetesServiceAccount", kubernetesServiceAccount: {} });
    const ev = evaluate(world({ vmcp: oidcVmcp(), oidcConfigs: [ksa] }), opts);
    expect(ev.blocked?.message).toContain("type kubernetesServiceAccount is not implemented");
  });
});
