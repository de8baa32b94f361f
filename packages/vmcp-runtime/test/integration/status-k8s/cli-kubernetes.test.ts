// `vmcp serve` as a real process with VMCP_NAME/VMCP_NAMESPACE and a KUBECONFIG carrying the
// ServiceAccount token: the same binary becomes Kubernetes-aware without flags, and on SIGTERM it
// releases the status Lease so a standby replica can take over at once.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubeRequest } from "@vmcp/kube-kit/http";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, expect, it } from "vitest";
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

const admin = testKubeConfig();
let ns: TestNamespace;
let dir: string;
let backend: TestBackend;

beforeAll(async () => {
  ns = await createNamespace(admin, "rt-cli");
  dir = await mkdtemp(join(tmpdir(), "vmcp-cli-k8s-"));
  backend = await startTestBackend("solo");
  await createReadyMCPServer(admin, ns.name, "solo", backend.url);
}, 60_000);

afterAll(async () => {
  await backend?.kill();
  await ns?.delete();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("vmcp serve discovers, serves and reports with only the ServiceAccount's Role", async () => {
  const vmcp = await createVmcp(admin, ns.name, "cli");
  const sa = await runtimeServiceAccount(admin, ns.name, vmcp, []);
  await writeFile(join(dir, "kubeconfig"), sa.exportConfig());
  await writeFile(
    join(dir, "config.yaml"),
    `name: cli\ngroupRef: ${GROUP_NAME}\nincomingAuth: { type: anonymous }\noutgoingAuth: { source: discovered }\n`,
  );
  const proc = await spawnNode(
    ["packages/vmcp-runtime/src/main.ts", "serve", "--config", join(dir, "config.yaml"), "--port", "0"],
    urlLine,
    {
      env: { ...process.env, VMCP_NAME: "cli", VMCP_NAMESPACE: ns.name, KUBECONFIG: join(dir, "kubeconfig") },
    },
  );
  try {
    const { client } = await connectClient(proc.value);
    expect(await toolNames(client)).toEqual(["solo_solo_echo"]);
    await client.close();
    const o = await waitFor("reported Ready", async () => {
      const o = await getCr(admin, ns.name, "virtualmcpservers", "cli");
      return o.status?.phase === "Ready" && backendOf(o, "solo")?.status === "ready" ? o : undefined;
    });
    expect(o.status.backendCount).toBe(1);
    const readyz = await fetch(new URL("/readyz", proc.value));
    expect(readyz.status).toBe(200);
  } finally {
    await proc.stop();
  }
  expect(proc.child.exitCode).toBe(0);
  const lease = await kubeRequest<{ spec?: { holderIdentity?: string } }>(admin, {
    method: "GET",
    path: `/apis/coordination.k8s.io/v1/namespaces/${ns.name}/leases/cli-vmcp-status`,
  });
  expect(lease.spec?.holderIdentity ?? "").toBe("");
});
