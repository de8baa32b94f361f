import { describe, expect, it } from "vitest";
import { apiServerArgs, etcdArgs } from "../../src/args.ts";

const flags = (args: string[]) =>
  new Map(
    args.map((a) => {
      const i = a.indexOf("=");
      return [a.slice(0, i), a.slice(i + 1)] as const;
    }),
  );

describe("etcdArgs", () => {
  const args = flags(etcdArgs({ dataDir: "/tmp/x/etcd", clientPort: 2001, peerPort: 2002 }));

  it("binds client and peer URLs on loopback ports it was given, never the defaults", () => {
    expect(args.get("--listen-client-urls")).toBe("http://127.0.0.1:2001");
    expect(args.get("--advertise-client-urls")).toBe("http://127.0.0.1:2001");
    expect(args.get("--listen-peer-urls")).toBe("http://127.0.0.1:2002");
    expect(args.get("--initial-advertise-peer-urls")).toBe("http://127.0.0.1:2002");
    expect(args.get("--initial-cluster")).toBe(`${args.get("--name")}=http://127.0.0.1:2002`);
    expect([...args.values()].join(" ")).not.toMatch(/:2379|:2380/);
  });

  it("keeps data in the given directory without fsync", () => {
    expect(args.get("--data-dir")).toBe("/tmp/x/etcd");
    expect(args.get("--unsafe-no-fsync")).toBe("true");
  });
});

describe("apiServerArgs", () => {
  const files = {
    certDir: "/p",
    servingCert: "/p/apiserver.crt",
    servingKey: "/p/apiserver.key",
    clientCa: "/p/client-ca.crt",
    saPublicKey: "/p/sa.pub",
    saPrivateKey: "/p/sa.key",
  };
  const args = flags(apiServerArgs({ etcdClientPort: 2001, securePort: 6443, files }));

  it("serves TLS on loopback only, talking to the given etcd", () => {
    expect(args.get("--bind-address")).toBe("127.0.0.1");
    expect(args.get("--advertise-address")).toBe("127.0.0.1");
    expect(args.get("--secure-port")).toBe("6443");
    expect(args.get("--etcd-servers")).toBe("http://127.0.0.1:2001");
    expect(args.get("--tls-cert-file")).toBe(files.servingCert);
    expect(args.get("--tls-private-key-file")).toBe(files.servingKey);
  });

  it("enforces RBAC and authenticates client certs from the client CA", () => {
    expect(args.get("--authorization-mode")).toBe("RBAC");
    expect(args.get("--client-ca-file")).toBe(files.clientCa);
  });

  it("issues ServiceAccount tokens (TokenRequest) signed by the SA key", () => {
    expect(args.get("--service-account-issuer")).toBe("https://127.0.0.1:6443");
    expect(args.get("--service-account-signing-key-file")).toBe(files.saPrivateKey);
    expect(args.get("--service-account-key-file")).toBe(files.saPublicKey);
    // Without kube-controller-manager no 'default' SA exists, so this admission plugin must be off.
    expect(args.get("--disable-admission-plugins")).toBe("ServiceAccount");
  });
});
