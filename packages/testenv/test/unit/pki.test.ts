import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generatePki } from "../../src/pki.ts";

describe("generatePki", async () => {
  const pki = await generatePki();
  const servingCa = new X509Certificate(pki.servingCa);
  const serving = new X509Certificate(pki.servingCert);
  const clientCa = new X509Certificate(pki.clientCa);
  const admin = new X509Certificate(pki.adminCert);

  it("issues a serving cert that a client dialing 127.0.0.1 or localhost accepts", () => {
    expect(serving.verify(servingCa.publicKey)).toBe(true);
    expect(serving.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(serving.checkHost("localhost")).toBe("localhost");
    expect(serving.keyUsage).toContain("1.3.6.1.5.5.7.3.1");
    expect(servingCa.ca).toBe(true);
    expect(serving.ca).toBe(false);
  });

  it("issues an admin client cert in system:masters from a separate client CA", () => {
    expect(admin.verify(clientCa.publicKey)).toBe(true);
    expect(admin.verify(servingCa.publicKey)).toBe(false);
    expect(admin.subject).toContain("CN=admin");
    expect(admin.subject).toContain("O=system:masters");
    expect(admin.keyUsage).toContain("1.3.6.1.5.5.7.3.2");
  });

  it("uses ECDSA P-256 keys in PEM forms the apiserver reads", () => {
    expect(serving.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(pki.servingKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(pki.saPrivateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(pki.saPublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });
});
