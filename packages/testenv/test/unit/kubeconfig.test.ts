import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderKubeconfig } from "../../src/kubeconfig.ts";

const CA = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
const CERT = "-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n";

describe("renderKubeconfig", () => {
  it("inlines CA and client cert so the file works on its own (kubectl and client-node)", () => {
    const text = renderKubeconfig({
      server: "https://127.0.0.1:6443",
      caPem: CA,
      user: "admin",
      clientCertPem: CERT,
      clientKeyPem: KEY,
    });
    expect(text).not.toMatch(/certificate-authority:|client-certificate:|client-key:/);
    const kc = new KubeConfig();
    kc.loadFromString(text);
    expect(kc.getCurrentCluster()?.server).toBe("https://127.0.0.1:6443");
    expect(Buffer.from(kc.getCurrentCluster()?.caData ?? "", "base64").toString()).toBe(CA);
    expect(kc.getCurrentUser()?.name).toBe("admin");
    expect(Buffer.from(kc.getCurrentUser()?.certData ?? "", "base64").toString()).toBe(CERT);
    expect(Buffer.from(kc.getCurrentUser()?.keyData ?? "", "base64").toString()).toBe(KEY);
  });

  it("renders a token user without cert fields", () => {
    const doc = parse(
      renderKubeconfig({ server: "https://127.0.0.1:1", caPem: CA, user: "sa", token: "t0k" }),
    );
    expect(doc.users[0]).toEqual({ name: "sa", user: { token: "t0k" } });
    expect(doc["current-context"]).toBe(doc.contexts[0].name);
  });
});
