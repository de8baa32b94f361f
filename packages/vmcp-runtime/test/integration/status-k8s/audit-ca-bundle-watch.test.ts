// An MCPServerEntry's CA bundle comes from the referenced ConfigMap, read by name and re-read
// periodically. The entry starts with the wrong CA (TLS fails, reported unavailable,
// not routed); once the ConfigMap holds the right CA the runtime reaches it without a restart.
import { readFile } from "node:fs/promises";
import { kubeRequest } from "@vmcp/kube-kit/http";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, expect, it } from "vitest";
import { makePrivateCa } from "../../fixtures/tls.ts";
import {
  backendOf,
  connectClient,
  createCore,
  createCr,
  createVmcp,
  GROUP_NAME,
  getCr,
  patchStatus,
  type RunningRuntime,
  runtimeServiceAccount,
  startRuntime,
  startTestBackend,
  type TestBackend,
  toolNames,
  waitFor,
} from "./harness.ts";

const admin = testKubeConfig();
let ns: TestNamespace;
let rt: RunningRuntime;
let remote: TestBackend;
let right: Awaited<ReturnType<typeof makePrivateCa>>;
let wrong: Awaited<ReturnType<typeof makePrivateCa>>;

beforeAll(async () => {
  ns = await createNamespace(admin, "rt-ca-watch");
  [right, wrong] = await Promise.all([makePrivateCa(), makePrivateCa()]);
  remote = await startTestBackend("remote", { tls: { key: right.key, cert: right.cert } });
  await createCore(admin, ns.name, "configmaps", {
    metadata: { name: "remote-ca" },
    data: { "ca.crt": await readFile(wrong.caPath, "utf8") },
  });
  await createCr(admin, ns.name, "mcpserverentries", "remote", {
    remoteUrl: remote.url,
    transport: "streamable-http",
    groupRef: { name: GROUP_NAME },
    caBundleRef: { configMapRef: { name: "remote-ca" } }, // key defaults to ca.crt
  });
  await patchStatus(admin, ns.name, "mcpserverentries", "remote", { phase: "Valid" });
  const vmcp = await createVmcp(admin, ns.name, "ca");
  rt = await startRuntime(await runtimeServiceAccount(admin, ns.name, vmcp, [], ["remote-ca"]), {
    name: "ca",
    namespace: ns.name,
  });
}, 120_000);

afterAll(async () => {
  await rt?.stop();
  await remote?.kill();
  await Promise.all([right?.cleanup(), wrong?.cleanup()]);
  await ns?.delete();
});

it("follows a CA bundle ConfigMap update: unreachable with the wrong CA, served with the right one", async () => {
  const entry = async () => backendOf(await getCr(admin, ns.name, "virtualmcpservers", "ca"), "remote");
  await waitFor(
    "entry reported unavailable with the wrong CA",
    async () => (await entry())?.status === "unavailable",
  );
  expect((await entry())?.message).toContain("unable to verify the first certificate");
  const { client } = await connectClient(rt.url);
  try {
    expect(await toolNames(client)).not.toContain("remote_remote_echo");
    await kubeRequest(admin, {
      method: "PATCH",
      path: `/api/v1/namespaces/${ns.name}/configmaps/remote-ca`,
      body: { data: { "ca.crt": await readFile(right.caPath, "utf8") } },
      contentType: "application/merge-patch+json",
    });
    await waitFor("entry ready with the right CA", async () => (await entry())?.status === "ready", 30_000);
    await waitFor("entry's tool listed", async () =>
      (await toolNames(client)).includes("remote_remote_echo"),
    );
    const r = await client.callTool({ name: "remote_remote_echo", arguments: {} });
    expect(r.content).toEqual([{ type: "text", text: "hello from remote" }]);
  } finally {
    await client.close();
  }
}, 60_000);
