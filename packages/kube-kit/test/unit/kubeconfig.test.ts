import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type https from "node:https";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { KubeConnection } from "../../src/connection.ts";
import { KubeconfigError, loadKubeconfig } from "../../src/kubeconfig.ts";
import { mergeKubeconfigs, parseKubeconfig, planCurrentContext } from "../../src/kubeconfig-merge.ts";

const root = mkdtempSync(join(tmpdir(), "kube-kit-kubeconfig-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function dir(): string {
  const d = join(root, String(n++));
  mkdirSync(d, { recursive: true });
  return d;
}

interface Doc {
  current?: string;
  clusters?: Record<string, Record<string, unknown>>;
  users?: Record<string, Record<string, unknown>>;
  contexts?: Record<string, { cluster?: string; user?: string }>;
}
const yamlOf = (d: Doc) =>
  stringify({
    apiVersion: "v1",
    kind: "Config",
    ...(d.current ? { "current-context": d.current } : {}),
    clusters: Object.entries(d.clusters ?? {}).map(([name, cluster]) => ({ name, cluster })),
    users: Object.entries(d.users ?? {}).map(([name, user]) => ({ name, user })),
    contexts: Object.entries(d.contexts ?? {}).map(([name, context]) => ({ name, context })),
  });
function write(d: string, name: string, content: Doc | string): string {
  const f = join(d, name);
  writeFileSync(f, typeof content === "string" ? content : yamlOf(content));
  return f;
}
const simple = (user: Record<string, unknown>, cluster: Record<string, unknown> = {}): Doc => ({
  current: "c",
  clusters: { k: { server: "https://k.example:6443", ...cluster } },
  users: { u: user },
  contexts: { c: { cluster: "k", user: "u" } },
});

function connect(env: NodeJS.ProcessEnv, now?: () => number): KubeConnection {
  const r = loadKubeconfig(env, now ? { now } : {});
  if (!r.supported) throw new Error(`unexpectedly unsupported: ${r.reason}`);
  return r.connection;
}
async function optsOf(kc: KubeConnection): Promise<https.RequestOptions> {
  const opts: https.RequestOptions = { headers: { Accept: "application/json" } };
  await kc.applyToHTTPSOptions(opts);
  return opts;
}
const headerOf = (o: https.RequestOptions) =>
  (o.headers as Record<string, unknown> | undefined)?.Authorization;
const authOf = async (kc: KubeConnection) => headerOf(await optsOf(kc));
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("merging a KUBECONFIG list", () => {
  it("takes current-context from the first file that sets it and each name from the first file defining it", async () => {
    const d = dir();
    const a = write(d, "a", {
      clusters: { k: { server: "https://first.example" } },
      users: { u: { token: "first-token" } },
    });
    const b = write(d, "b", {
      current: "c",
      clusters: { k: { server: "https://second.example" }, other: { server: "https://other.example" } },
      users: { u: { token: "second-token" } },
      contexts: { c: { cluster: "k", user: "u" } },
    });
    const c = write(d, "c", { current: "later", contexts: { later: { cluster: "other" } } });
    const kc = connect({ KUBECONFIG: [join(d, "missing"), a, "", b, c].join(delimiter) });
    expect(kc.getCurrentCluster()).toEqual({ server: "https://first.example" });
    expect(await authOf(kc)).toBe("Bearer first-token");
  });

  it("is pure: merge and plan work on parsed text alone", () => {
    const m = mergeKubeconfigs([
      parseKubeconfig(yamlOf({ clusters: { k: { server: "https://a" } } }), "/x/a"),
      parseKubeconfig(yamlOf({ current: "c", contexts: { c: { cluster: "k" } } }), "/x/b"),
    ]);
    const p = planCurrentContext(m);
    expect(p.static && p.plan.server).toBe("https://a");
    expect(p.static && p.plan.clusterFile).toBe("/x/a");
  });

  it("reads $HOME/.kube/config without KUBECONFIG", () => {
    const home = dir();
    mkdirSync(join(home, ".kube"));
    write(join(home, ".kube"), "config", simple({ token: "t" }));
    expect(connect({ HOME: home }).getCurrentCluster()?.server).toBe("https://k.example:6443");
  });

  it("names the files when none exists", () => {
    const d = dir();
    expect(() => loadKubeconfig({ KUBECONFIG: join(d, "nope") })).toThrow(
      `none of the files in KUBECONFIG exists: ${join(d, "nope")}`,
    );
    expect(() => loadKubeconfig({ HOME: d })).toThrow(`${join(d, ".kube", "config")} does not exist`);
  });
});

describe("credentials and TLS", () => {
  it("resolves relative paths against the directory of the file that defined the entry", async () => {
    const d = dir();
    mkdirSync(join(d, "certs"));
    mkdirSync(join(d, "sub"));
    writeFileSync(join(d, "certs", "ca.crt"), "CA PEM");
    writeFileSync(join(d, "sub", "tls.crt"), "CERT PEM");
    writeFileSync(join(d, "sub", "tls.key"), "KEY PEM");
    const clusterFile = write(d, "clusters", {
      clusters: { k: { server: "https://k", "certificate-authority": "certs/ca.crt" } },
    });
    const userFile = write(join(d, "sub"), "users", {
      current: "c",
      users: { u: { "client-certificate": "tls.crt", "client-key": "./tls.key" } },
      contexts: { c: { cluster: "k", user: "u" } },
    });
    const o = await optsOf(connect({ KUBECONFIG: [clusterFile, userFile].join(delimiter) }));
    expect(String(o.ca)).toBe("CA PEM");
    expect(String(o.cert)).toBe("CERT PEM");
    expect(String(o.key)).toBe("KEY PEM");
    expect(headerOf(o)).toBeUndefined();
  });

  it("decodes the base64 -data fields", async () => {
    const d = dir();
    const f = write(
      d,
      "config",
      simple(
        { "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY") },
        { "certificate-authority-data": b64("CA") },
      ),
    );
    const o = await optsOf(connect({ KUBECONFIG: f }));
    expect([String(o.ca), String(o.cert), String(o.key)]).toEqual(["CA", "CERT", "KEY"]);
    expect(o.rejectUnauthorized).toBeUndefined();
    expect(o.servername).toBeUndefined();
  });

  it("sends a static token as is, and re-reads a tokenFile only once it is a minute old", async () => {
    const d = dir();
    expect(await authOf(connect({ KUBECONFIG: write(d, "static", simple({ token: "static" })) }))).toBe(
      "Bearer static",
    );
    writeFileSync(join(d, "token"), "one\n");
    let now = 1_000_000;
    const kc = connect({ KUBECONFIG: write(d, "file", simple({ tokenFile: "token" })) }, () => now);
    expect(await authOf(kc)).toBe("Bearer one");
    writeFileSync(join(d, "token"), "two");
    now += 59_000;
    expect(await authOf(kc)).toBe("Bearer one");
    now += 2_000;
    expect(await authOf(kc)).toBe("Bearer two");
    rmSync(join(d, "token"));
    now += 61_000;
    await expect(authOf(kc)).rejects.toThrow(`cannot read tokenFile ${join(d, "token")}`);
  });

  it("sends username/password as basic auth", async () => {
    const f = write(dir(), "config", simple({ username: "admin", password: "s3cret:x" }));
    expect(await authOf(connect({ KUBECONFIG: f }))).toBe(`Basic ${b64("admin:s3cret:x")}`);
  });

  it("turns insecure-skip-tls-verify and tls-server-name into the TLS options", async () => {
    const f = write(
      dir(),
      "config",
      simple({ token: "t" }, { "insecure-skip-tls-verify": true, "tls-server-name": "api.internal" }),
    );
    const o = await optsOf(connect({ KUBECONFIG: f }));
    expect(o.rejectUnauthorized).toBe(false);
    expect(o.servername).toBe("api.internal");
  });
});

describe("errors name the file and what is wrong", () => {
  const load = (content: Doc | string) => {
    const f = write(dir(), "config", content);
    return { f, run: () => loadKubeconfig({ KUBECONFIG: f }) };
  };

  it("no current-context", () => {
    const { f, run } = load({ clusters: { k: { server: "https://k" } } });
    expect(run).toThrow(KubeconfigError);
    expect(run).toThrow(`kubeconfig ${f}: no current-context is set`);
  });

  it("a context, cluster or user no file defines", () => {
    expect(load({ current: "c" }).run).toThrow(`current-context "c" names a context no file defines`);
    expect(load({ current: "c", contexts: { c: { cluster: "k" } } }).run).toThrow(
      `context "c" names cluster "k", which no file defines`,
    );
    expect(
      load({
        current: "c",
        clusters: { k: { server: "https://k" } },
        contexts: { c: { cluster: "k", user: "u" } },
      }).run,
    ).toThrow(`context "c" names user "u", which no file defines`);
  });

  it("not YAML", () => {
    const { f, run } = load("clusters: [\n  - name: a\n  cluster: {");
    expect(run).toThrow(`kubeconfig ${f}: not valid YAML`);
  });

  it("a field of the wrong type, and data that is not base64", () => {
    expect(load(simple({ token: 12345 })).run).toThrow(/users\[0\]\.user\.token: .*expected string/);
    expect(load(simple({ token: "t" }, { "insecure-skip-tls-verify": "yes" })).run).toThrow(
      /clusters\[0\]\.cluster\.insecure-skip-tls-verify: .*expected boolean/,
    );
    expect(load(simple({ token: "t" }, { "certificate-authority-data": "not*base64" })).run).toThrow(
      /clusters\[0\]\.cluster\.certificate-authority-data: not base64/,
    );
    expect(load("- just\n- a list\n").run).toThrow(/\(the document\): .*expected object/);
  });

  it("a referenced file it cannot read, and a certificate without its key", () => {
    const { f, run } = load(simple({ token: "t" }, { "certificate-authority": "nope/ca.crt" }));
    expect(run).toThrow(
      `kubeconfig ${f}: cluster of context "c": cannot read certificate-authority ${join(f, "..", "nope", "ca.crt")}`,
    );
    expect(load(simple({ tokenFile: "/nonexistent/token" })).run).toThrow(
      "cannot read tokenFile /nonexistent/token",
    );
    expect(load(simple({ "client-certificate-data": b64("C") })).run).toThrow(
      "needs both client-certificate and client-key",
    );
  });
});

describe("what needs client-node", () => {
  it.each([
    [
      "exec",
      { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "gke-gcloud-auth-plugin" } },
      {},
    ],
    ["auth-provider", { "auth-provider": { name: "oidc", config: {} } }, {}],
    ["proxy-url", { token: "t" }, { "proxy-url": "http://proxy:3128" }],
  ])("%s: says so, with the merged document for client-node", (field, user, cluster) => {
    const d = dir();
    writeFileSync(join(d, "ca.crt"), "CA");
    const f = write(d, "config", simple(user, { "certificate-authority": "ca.crt", ...cluster }));
    const r = loadKubeconfig({ KUBECONFIG: f });
    expect(r.supported).toBe(false);
    if (r.supported) return;
    expect(r.reason).toContain(`sets ${field}`);
    expect(r.document).toMatchObject({
      "current-context": "c",
      // Paths made absolute: client-node reads the document without knowing where it came from.
      clusters: [{ name: "k", cluster: { "certificate-authority": join(d, "ca.crt") } }],
      users: [{ name: "u", user }],
    });
  });

  it("only the current context counts: an exec user elsewhere does not", () => {
    const doc = simple({ token: "t" });
    doc.users = { ...doc.users, plugin: { exec: { command: "x" } } };
    expect(loadKubeconfig({ KUBECONFIG: write(dir(), "config", doc) }).supported).toBe(true);
  });
});
