// Kubernetes mode with a kubeconfig file (development, the benches), against the real API server
// with RBAC on: kube-kit's reader builds the connection, and client-node's KubeConfig is loaded
// only when the current context needs a plugin (here exec), checked by spying on the one runtime
// module that loads it.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { kubeRequest } from "@vmcp/kube-kit/http";
import { createNamespace, renderKubeconfig, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, beforeEach, expect, inject, it, vi } from "vitest";
import { stringify } from "yaml";
import { connectToKubernetes } from "../../../src/runtime/kube-connection.ts";
import { kubeConfigFromDocument } from "../../../src/runtime/kubeconfig-file.ts";
import { createVmcp, runtimeServiceAccount } from "./harness.ts";
import { expectRuntimeIdentity, whoami } from "./identity.ts";

vi.mock("../../../src/runtime/kubeconfig-file.ts", async (importOriginal) => {
  const m = await importOriginal<typeof import("../../../src/runtime/kubeconfig-file.ts")>();
  return { ...m, kubeConfigFromDocument: vi.fn(m.kubeConfigFromDocument) };
});
const clientNodeLoads = vi.mocked(kubeConfigFromDocument);

const admin = testKubeConfig();
let ns: TestNamespace;
let dir: string;
let server: string;
let caPem: string;
let token: string;

beforeAll(async () => {
  ns = await createNamespace(admin, "rt-kubeconfig");
  dir = await mkdtemp(join(tmpdir(), "vmcp-kubeconfig-"));
  const vmcp = await createVmcp(admin, ns.name, "kc");
  const sa = await runtimeServiceAccount(admin, ns.name, vmcp, []);
  const cluster = sa.getCurrentCluster();
  const saToken = sa.getCurrentUser()?.token;
  if (!cluster?.caData || !saToken) throw new Error("the ServiceAccount kubeconfig has no CA or token");
  server = cluster.server;
  caPem = Buffer.from(cluster.caData, "base64").toString("utf8");
  token = saToken;
}, 60_000);

afterAll(async () => {
  await ns?.delete();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => clientNodeLoads.mockClear());

it("a ServiceAccount token kubeconfig: authenticated and held to the Role, without client-node", async () => {
  const file = join(dir, "sa");
  await writeFile(file, renderKubeconfig({ server, caPem, user: "runtime", token }));
  const kc = await connectToKubernetes({ KUBECONFIG: file });
  expect(kc).not.toBeInstanceOf(KubeConfig);
  await expectRuntimeIdentity(kc, ns.name, "kc");
  expect(clientNodeLoads).not.toHaveBeenCalled();
});

it("the control plane's admin kubeconfig (client certificate): lists namespaces, without client-node", async () => {
  const kc = await connectToKubernetes({ KUBECONFIG: inject("kubeconfigPath") });
  expect(kc).not.toBeInstanceOf(KubeConfig);
  const list = await kubeRequest<{ items: { metadata: { name: string } }[] }>(kc, {
    method: "GET",
    path: "/api/v1/namespaces",
  });
  expect(list.items.map((n) => n.metadata.name)).toContain(ns.name);
  expect(clientNodeLoads).not.toHaveBeenCalled();
});

it("an exec credential plugin falls back to client-node, which runs it", async () => {
  const file = join(dir, "exec");
  const credential = JSON.stringify({
    apiVersion: "client.authentication.k8s.io/v1",
    kind: "ExecCredential",
    status: { token },
  });
  await writeFile(
    file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "c",
      clusters: [
        {
          name: "k",
          cluster: { server, "certificate-authority-data": Buffer.from(caPem).toString("base64") },
        },
      ],
      users: [
        {
          name: "u",
          user: {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1",
              command: process.execPath,
              args: ["-e", `process.stdout.write(${JSON.stringify(credential)})`],
              interactiveMode: "Never",
            },
          },
        },
      ],
      contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
    }),
  );
  const kc = await connectToKubernetes({ KUBECONFIG: file });
  expect(clientNodeLoads).toHaveBeenCalledOnce();
  expect(kc).toBeInstanceOf(KubeConfig);
  expect(await whoami(kc)).toMatch(new RegExp(`^system:serviceaccount:${ns.name}:`));
});
