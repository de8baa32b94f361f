// Kubernetes mode as a pod runs it: no kubeconfig, KUBERNETES_SERVICE_HOST/PORT and the
// ServiceAccount's token and CA files. The connection is kube-kit's own (client-node is not
// loaded), so what client-go does is checked here against the real API server with RBAC on:
// the token file re-read after rotation, the CA file the only trust, a missing file named.
import { copyFile, mkdir, mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubeRequest } from "@vmcp/kube-kit/http";
import { InClusterConfigError, inClusterConnection } from "@vmcp/kube-kit/in-cluster";
import { createNamespace, serviceAccountKubeConfig, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectToKubernetes } from "../../../src/runtime/kube-connection.ts";
import { spawnNode, urlLine } from "../../fixtures/process.ts";
import {
  backendOf,
  connectClient,
  createReadyMCPServer,
  createVmcp,
  GROUP_NAME,
  getCr,
  runtimeServiceAccount,
  startTestBackend,
  type TestBackend,
  toolNames,
  waitFor,
} from "./harness.ts";
import { expectRuntimeIdentity, whoami } from "./identity.ts";

const admin = testKubeConfig();
let ns: TestNamespace;
let dir: string;
let saDir: string;
let backend: TestBackend;
let server: URL;
let runtimeToken: string;

beforeAll(async () => {
  ns = await createNamespace(admin, "rt-incluster");
  dir = await mkdtemp(join(tmpdir(), "vmcp-in-cluster-"));
  backend = await startTestBackend("solo");
  await createReadyMCPServer(admin, ns.name, "solo", backend.url);
  const vmcp = await createVmcp(admin, ns.name, "pod");
  const sa = await runtimeServiceAccount(admin, ns.name, vmcp, []);
  const cluster = sa.getCurrentCluster();
  const token = sa.getCurrentUser()?.token;
  if (!cluster?.caData || !token) throw new Error("the ServiceAccount kubeconfig has no CA or token");
  server = new URL(cluster.server);
  runtimeToken = token;
  saDir = join(dir, "serviceaccount");
  await mkdir(saDir);
  await writeFile(join(saDir, "token"), token);
  await writeFile(join(saDir, "ca.crt"), Buffer.from(cluster.caData, "base64"));
}, 60_000);

afterAll(async () => {
  await backend?.kill();
  await ns?.delete();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const podEnv = (saPath: string) => ({
  KUBERNETES_SERVICE_HOST: server.hostname,
  KUBERNETES_SERVICE_PORT: server.port,
  VMCP_SERVICE_ACCOUNT_DIR: saPath,
});

it("vmcp serve in a pod's environment discovers, serves and reports with the ServiceAccount files", async () => {
  await writeFile(
    join(dir, "config.yaml"),
    `name: pod\ngroupRef: ${GROUP_NAME}\nincomingAuth: { type: anonymous }\noutgoingAuth: { source: discovered }\n`,
  );
  // No kubeconfig anywhere: HOME without ~/.kube, KUBECONFIG unset.
  const env = { ...process.env, KUBECONFIG: undefined, HOME: dir, VMCP_NAME: "pod", VMCP_NAMESPACE: ns.name };
  const proc = await spawnNode(
    ["packages/vmcp-runtime/src/main.ts", "serve", "--config", join(dir, "config.yaml"), "--port", "0"],
    urlLine,
    { env: { ...env, ...podEnv(saDir) } },
  );
  try {
    const { client } = await connectClient(proc.value);
    expect(await toolNames(client)).toEqual(["solo_solo_echo"]);
    await client.close();
    const o = await waitFor("reported Ready", async () => {
      const o = await getCr(admin, ns.name, "virtualmcpservers", "pod");
      return o.status?.phase === "Ready" && backendOf(o, "solo")?.status === "ready" ? o : undefined;
    });
    expect(o.status.backendCount).toBe(1);
  } finally {
    await proc.stop();
  }
  expect(proc.child.exitCode).toBe(0);
});

it("authenticates as the runtime's ServiceAccount, held to its Role", async () => {
  const kc = await connectToKubernetes(podEnv(saDir));
  await expectRuntimeIdentity(kc, ns.name, "pod");
});

it("re-reads the token file once the token it holds is a minute old: a rotated token is used", async () => {
  const rotDir = join(dir, "rotating");
  await mkdir(rotDir);
  const tokenFile = join(rotDir, "token");
  await writeFile(tokenFile, runtimeToken);
  await kubeRequest(admin, {
    method: "POST",
    path: `/api/v1/namespaces/${ns.name}/serviceaccounts`,
    body: { metadata: { name: "rotated" } },
  });
  const other = (await serviceAccountKubeConfig(admin, ns.name, "rotated")).getCurrentUser()?.token ?? "";
  let now = 1_000_000;
  const kc = inClusterConnection({
    host: server.hostname,
    port: server.port,
    tokenFile,
    caFile: join(saDir, "ca.crt"),
    now: () => now,
  });
  const first = await whoami(kc);
  expect(first).toMatch(/^system:serviceaccount:/);
  expect(first).not.toBe(`system:serviceaccount:${ns.name}:rotated`);
  // The kubelet replaces the file in place.
  await writeFile(tokenFile, other);
  now += 59_000;
  expect(await whoami(kc)).toBe(first);
  now += 2_000;
  expect(await whoami(kc)).toBe(`system:serviceaccount:${ns.name}:rotated`);
  // A token file gone later: the request fails naming it (and works again once it is back).
  await unlink(tokenFile);
  now += 61_000;
  await expect(whoami(kc)).rejects.toThrow(new RegExp(`ServiceAccount token ${tokenFile}`));
  await writeFile(tokenFile, runtimeToken);
  expect(await whoami(kc)).toBe(first);
});

it("trusts the CA file alone: another CA bundle fails the TLS handshake", async () => {
  const kc = inClusterConnection({
    host: server.hostname,
    port: server.port,
    tokenFile: join(saDir, "token"),
    caFile: "/etc/ssl/certs/ca-certificates.crt",
  });
  await expect(whoami(kc)).rejects.toThrow(/certificate/i);
});

it("names the missing file when the token or the CA is not there", async () => {
  const noToken = join(dir, "no-token");
  await mkdir(noToken);
  await copyFile(join(saDir, "ca.crt"), join(noToken, "ca.crt"));
  const a = connectToKubernetes(podEnv(noToken));
  await expect(a).rejects.toBeInstanceOf(InClusterConfigError);
  await expect(a).rejects.toThrow(`cannot read the ServiceAccount token ${join(noToken, "token")}`);
  const noCa = join(dir, "no-ca");
  await mkdir(noCa);
  await writeFile(join(noCa, "token"), runtimeToken);
  await expect(connectToKubernetes(podEnv(noCa))).rejects.toThrow(
    `cannot read the ServiceAccount CA ${join(noCa, "ca.crt")}`,
  );
  // Checked at start, not at the first request: the process would otherwise come up and fail
  // every call to the API server.
  await writeFile(join(noCa, "ca.crt"), "not a certificate\n");
  await expect(connectToKubernetes(podEnv(noCa))).rejects.toThrow(
    `the ServiceAccount CA ${join(noCa, "ca.crt")} is not a PEM certificate`,
  );
});
