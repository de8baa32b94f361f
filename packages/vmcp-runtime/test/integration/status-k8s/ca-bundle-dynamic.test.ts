// Dynamic mode with the real operator: adding or removing an MCPServerEntry with a caBundleRef
// changes only the runtime's Role (the bundle is read through the API by name), never the
// Deployment's pod template, so no pod rolls and no client session is dropped. The runtime runs
// with the token of the ServiceAccount the operator made and still reaches the entry over TLS.
import { readFile } from "node:fs/promises";
import { kubeRequest } from "@vmcp/kube-kit/http";
import { createLogger } from "@vmcp/kube-kit/logger";
import { type RunningOperator, startOperator } from "@vmcp/operator";
import { createVirtualMCPServerController } from "@vmcp/operator/controllers/virtualmcpserver/controller";
import { createNamespace, serviceAccountKubeConfig, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, expect, it } from "vitest";
import { makePrivateCa } from "../../fixtures/tls.ts";
import {
  connectClient,
  createCore,
  createCr,
  createVmcp,
  deleteCr,
  GROUP_NAME,
  patchStatus,
  type RunningRuntime,
  startRuntime,
  startTestBackend,
  type TestBackend,
  toolNames,
  waitFor,
} from "./harness.ts";

const admin = testKubeConfig();
let ns: TestNamespace;
let op: RunningOperator;
let rt: RunningRuntime | undefined;
let remote: TestBackend;
let ca: Awaited<ReturnType<typeof makePrivateCa>>;

type Deployment = { metadata: { resourceVersion: string }; spec: { template: unknown } };
const deployment = () =>
  kubeRequest<Deployment>(admin, {
    method: "GET",
    path: `/apis/apps/v1/namespaces/${ns.name}/deployments/dyn`,
  }).catch(() => undefined);

beforeAll(async () => {
  ns = await createNamespace(admin, "rt-ca-dynamic");
  ca = await makePrivateCa();
  remote = await startTestBackend("remote", { tls: { key: ca.key, cert: ca.cert } });
  op = await startOperator({
    kc: admin,
    namespace: ns.name,
    leaderElection: false,
    controllers: [createVirtualMCPServerController],
    logger: createLogger({ level: "warn" }),
  });
  await createCr(admin, ns.name, "mcpgroups", GROUP_NAME, {});
  await patchStatus(admin, ns.name, "mcpgroups", GROUP_NAME, { phase: "Ready" });
  await createCore(admin, ns.name, "configmaps", {
    metadata: { name: "remote-ca" },
    data: { "ca.crt": await readFile(ca.caPath, "utf8") },
  });
  await createVmcp(admin, ns.name, "dyn");
  await waitFor("Deployment", deployment, 20_000);
  rt = await startRuntime(await serviceAccountKubeConfig(admin, ns.name, "dyn-vmcp"), {
    name: "dyn",
    namespace: ns.name,
  });
}, 120_000);

afterAll(async () => {
  await rt?.stop();
  await op?.stop();
  await remote?.kill();
  await ca?.cleanup();
  await ns?.delete();
});

it("adding and removing a caBundleRef entry leaves the pod template unchanged; the runtime reaches it over TLS", async () => {
  const before = await deployment();
  const { client } = await connectClient(rt?.url ?? "");
  try {
    await createCr(admin, ns.name, "mcpserverentries", "remote", {
      remoteUrl: remote.url,
      transport: "streamable-http",
      groupRef: { name: GROUP_NAME },
      caBundleRef: { configMapRef: { name: "remote-ca" } },
    });
    await patchStatus(admin, ns.name, "mcpserverentries", "remote", { phase: "Valid" });
    await waitFor(
      "entry's tool listed",
      async () => (await toolNames(client)).includes("remote_remote_echo"),
      30_000,
    );
    const r = await client.callTool({ name: "remote_remote_echo", arguments: {} });
    expect(r.content).toEqual([{ type: "text", text: "hello from remote" }]);
    expect((await deployment())?.spec.template).toEqual(before?.spec.template);

    await deleteCr(admin, ns.name, "mcpserverentries", "remote");
    await waitFor(
      "entry's tool gone",
      async () => !(await toolNames(client)).includes("remote_remote_echo"),
      30_000,
    );
    const after = await deployment();
    expect(after?.spec.template).toEqual(before?.spec.template);
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
  } finally {
    await client.close();
  }
}, 90_000);
