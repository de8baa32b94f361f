// @peculiar/x509 resolves its ASN.1 serialisers through tsyringe, which needs the metadata polyfill
// loaded first.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

// Layout follows envtest (controller-runtime pkg/internal/testing/certs): three independent
// authorities so a test can reason about each trust relationship on its own.
export type Pki = {
  /** CA that signed the apiserver's serving cert: clients trust this. */
  servingCa: string;
  servingCert: string;
  servingKey: string;
  /** CA for --client-ca-file: any cert it signs authenticates as its CN/O. */
  clientCa: string;
  /** Admin user: CN=admin, O=system:masters (bypasses RBAC). */
  adminCert: string;
  adminKey: string;
  /** ServiceAccount token signing pair (--service-account-signing-key-file / --service-account-key-file). */
  saPublicKey: string;
  saPrivateKey: string;
  /** Extra client certs by name (a real node's components), signed by the client CA. */
  clients: Record<string, { cert: string; key: string }>;
};

export type PkiOptions = {
  /** Extra serving-cert SANs: the node's bridge address, the `kubernetes` Service IP and DNS names. */
  servingIps?: string[];
  servingDnsNames?: string[];
  /** name -> subject ("CN=system:kube-proxy", "CN=system:node:n, O=system:nodes"). */
  clients?: Record<string, string>;
};

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const crypto = webcrypto;
x509.cryptoProvider.set(crypto);

const EC = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIG = { name: "ECDSA", hash: "SHA-256" } as const;
// A week, like envtest: long enough for any local session, short enough not to matter if leaked.
const VALIDITY_MS = 7 * 24 * 3600 * 1000;

async function keyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(EC, true, ["sign", "verify"]);
}

function pem(der: ArrayBuffer, label: string): string {
  return x509.PemConverter.encode(der, label);
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return pem(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

async function publicKeyPem(key: CryptoKey): Promise<string> {
  return pem(await crypto.subtle.exportKey("spki", key), "PUBLIC KEY");
}

type Ca = { cert: x509.X509Certificate; keys: CryptoKeyPair };

function validity(): { notBefore: Date; notAfter: Date } {
  // Backdate a little so a slightly skewed clock does not reject a fresh cert.
  const now = Date.now();
  return { notBefore: new Date(now - 60_000), notAfter: new Date(now + VALIDITY_MS) };
}

async function createCa(commonName: string): Promise<Ca> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${commonName}`,
    keys,
    signingAlgorithm: SIG,
    ...validity(),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

type LeafSpec = {
  subject: string;
  usage: "server" | "client";
  dnsNames?: string[];
  ips?: string[];
};

async function issue(ca: Ca, spec: LeafSpec): Promise<{ cert: string; key: string }> {
  const keys = await keyPair();
  const sans = [
    ...(spec.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(spec.ips ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    subject: spec.subject,
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: SIG,
    ...validity(),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension(
        [spec.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
      ...(sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans, false)] : []),
    ],
  });
  return { cert: cert.toString("pem"), key: await privateKeyPem(keys.privateKey) };
}

/** Generates every certificate and key the control plane needs (ECDSA P-256, in memory). */
export async function generatePki(opts: PkiOptions = {}): Promise<Pki> {
  const [servingCa, clientCa, saKeys] = await Promise.all([
    createCa("vmcp-testenv-serving-ca"),
    createCa("vmcp-testenv-client-ca"),
    keyPair(),
  ]);
  const [serving, admin] = await Promise.all([
    // Node's TLS checks IP SANs: the kubeconfig dials https://127.0.0.1:<port>.
    issue(servingCa, {
      subject: "CN=localhost",
      usage: "server",
      dnsNames: ["localhost", ...(opts.servingDnsNames ?? [])],
      ips: ["127.0.0.1", ...(opts.servingIps ?? [])],
    }),
    issue(clientCa, { subject: "CN=admin, O=system:masters", usage: "client" }),
  ]);
  return {
    servingCa: servingCa.cert.toString("pem"),
    servingCert: serving.cert,
    servingKey: serving.key,
    clientCa: clientCa.cert.toString("pem"),
    adminCert: admin.cert,
    adminKey: admin.key,
    saPublicKey: await publicKeyPem(saKeys.publicKey),
    saPrivateKey: await privateKeyPem(saKeys.privateKey),
    clients: Object.fromEntries(
      await Promise.all(
        Object.entries(opts.clients ?? {}).map(
          async ([name, subject]) => [name, await issue(clientCa, { subject, usage: "client" })] as const,
        ),
      ),
    ),
  };
}
