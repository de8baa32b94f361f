import type { KubeConfig } from "@kubernetes/client-node";
import { objectKey } from "@vmcp/kube-kit/informer";
import { createLogger } from "@vmcp/kube-kit/logger";
import { counterValue } from "@vmcp/kube-kit/metrics";
import { API_VERSION } from "@vmcp/shared-types";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUPPORTING_CONTROLLERS } from "../../src/controllers/index.ts";
import { MEMBERSHIP_SETTLE } from "../../src/controllers/mcpgroup.ts";
import { type RunningOperator, startOperator } from "../../src/manager.ts";
import { configMap, create, eventually, get, type Obj, patch, remove } from "./helpers.ts";

let kc: KubeConfig;
let ns: TestNamespace;
let op: RunningOperator;

type Cond = { type: string; status: string; reason: string; message: string };
type Status = Record<string, unknown> & { conditions?: Cond[] };

const cr = (kind: string, name: string, spec: Record<string, unknown>): Obj => ({
  apiVersion: API_VERSION,
  kind,
  metadata: { name, namespace: ns.name },
  spec,
});

async function status(kind: string, name: string): Promise<Status | undefined> {
  return (await get(kc, API_VERSION, kind, ns.name, name))?.status as Status | undefined;
}
const condition = (s: Status | undefined, type: string) => s?.conditions?.find((c) => c.type === type);

beforeAll(async () => {
  kc = testKubeConfig();
  ns = await createNamespace(kc, "supporting");
  op = await startOperator({
    kc,
    namespace: ns.name,
    controllers: SUPPORTING_CONTROLLERS,
    leaderElection: false,
    logger: createLogger({ level: "warn" }),
  });
});
afterAll(async () => {
  await op?.stop();
  await ns?.delete();
});

describe("supporting controllers", () => {
  it("MCPGroup lists its members with counts and follows additions and removals", async () => {
    await create(kc, cr("MCPGroup", "team", { description: "team tools" }));
    await eventually(async () => (await status("MCPGroup", "team"))?.phase === "Ready", "empty group Ready");
    expect(await status("MCPGroup", "team")).toMatchObject({
      serverCount: 0,
      remoteProxyCount: 0,
      entryCount: 0,
    });

    await create(kc, cr("MCPServer", "srv-b", { groupRef: { name: "team" }, transport: "streamable-http" }));
    await create(kc, cr("MCPServer", "srv-a", { groupRef: { name: "team" } }));
    await create(kc, cr("MCPServer", "srv-other", {}));
    await create(
      kc,
      cr("MCPRemoteProxy", "proxy", {
        groupRef: { name: "team" },
        remoteUrl: "https://remote.example.com/mcp",
      }),
    );
    await create(
      kc,
      cr("MCPServerEntry", "entry", {
        groupRef: { name: "team" },
        remoteUrl: "https://e.example.com/mcp",
        transport: "sse",
      }),
    );
    const s = await eventually(async () => {
      const st = await status("MCPGroup", "team");
      return st?.serverCount === 2 && st.remoteProxyCount === 1 && st.entryCount === 1 ? st : undefined;
    }, "members in group status");
    expect(s).toMatchObject({ servers: ["srv-a", "srv-b"], remoteProxies: ["proxy"], entries: ["entry"] });
    expect(condition(s, "MCPServersChecked")).toMatchObject({
      status: "True",
      reason: "ListMCPServersCheckSucceeded",
    });

    await remove(kc, cr("MCPServer", "srv-b", {}));
    await patch(kc, cr("MCPServerEntry", "entry", {}), { spec: { groupRef: { name: "elsewhere" } } });
    const after = await eventually(async () => {
      const st = await status("MCPGroup", "team");
      return st?.serverCount === 1 && st.entryCount === 0 ? st : undefined;
    }, "removal reflected");
    expect(after.servers).toEqual(["srv-a"]);
    // Server-side apply stores an emptied list as an absent field.
    expect(after.entries ?? []).toEqual([]);
  });

  it("MCPServerEntry turns Valid once its missing group and CA bundle appear, without any edit to it", async () => {
    await create(
      kc,
      cr("MCPServerEntry", "catalog", {
        groupRef: { name: "late-group" },
        remoteUrl: "https://catalog.example.com/mcp",
        transport: "streamable-http",
        caBundleRef: { configMapRef: { name: "catalog-ca", key: "ca.crt" } },
      }),
    );
    const failed = await eventually(async () => {
      const st = await status("MCPServerEntry", "catalog");
      return st?.phase === "Failed" ? st : undefined;
    }, "entry Failed");
    expect(condition(failed, "GroupRefValidated")).toMatchObject({
      status: "False",
      reason: "GroupRefNotFound",
    });
    expect(condition(failed, "CABundleRefValidated")).toMatchObject({
      status: "False",
      reason: "CABundleRefNotFound",
    });
    expect(condition(failed, "Valid")).toMatchObject({ status: "False", reason: "ConfigInvalid" });
    const generation = (await get(kc, API_VERSION, "MCPServerEntry", ns.name, "catalog"))?.metadata
      .generation;

    await create(kc, cr("MCPGroup", "late-group", {}));
    await eventually(
      async () =>
        condition(await status("MCPServerEntry", "catalog"), "GroupRefValidated")?.status === "True",
      "group found",
    );
    expect((await status("MCPServerEntry", "catalog"))?.phase).toBe("Failed");

    await create(kc, configMap(ns.name, "catalog-ca", { "ca.crt": "-----BEGIN CERTIFICATE-----" }));
    const valid = await eventually(async () => {
      const st = await status("MCPServerEntry", "catalog");
      return st?.phase === "Valid" ? st : undefined;
    }, "entry Valid");
    expect(condition(valid, "Valid")).toMatchObject({ status: "True", reason: "ConfigValid" });
    expect(condition(valid, "CABundleRefValidated")?.reason).toBe("CABundleRefValid");
    expect((await get(kc, API_VERSION, "MCPServerEntry", ns.name, "catalog"))?.metadata.generation).toBe(
      generation,
    );
  });

  it("MCPServerEntry with a loopback or metadata URL is Failed with RemoteURLInvalid", async () => {
    await create(kc, cr("MCPGroup", "g2", {}));
    await create(
      kc,
      cr("MCPServerEntry", "meta", {
        groupRef: { name: "g2" },
        remoteUrl: "http://169.254.169.254/",
        transport: "sse",
      }),
    );
    const st = await eventually(async () => {
      const s = await status("MCPServerEntry", "meta");
      return s?.phase === "Failed" ? s : undefined;
    }, "entry Failed");
    expect(condition(st, "RemoteURLValidated")).toMatchObject({
      status: "False",
      reason: "RemoteURLInvalid",
    });
  });

  it("MCPExternalAuthConfig: Valid follows its Secret, configHash follows its spec", async () => {
    await create(
      kc,
      cr("MCPExternalAuthConfig", "api-key", {
        type: "headerInjection",
        headerInjection: {
          headerName: "X-API-Key",
          valueSecretRef: { name: "api-key-secret", key: "value" },
        },
      }),
    );
    const missing = await eventually(async () => {
      const s = await status("MCPExternalAuthConfig", "api-key");
      return s?.configHash ? s : undefined;
    }, "status with configHash");
    expect(condition(missing, "Valid")).toMatchObject({
      status: "False",
      reason: "ValidationFailed",
      message: "headerInjection.valueSecretRef: Secret api-key-secret not found",
    });

    await create(kc, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "api-key-secret", namespace: ns.name },
      stringData: { value: "s3cr3t" },
    });
    const ok = await eventually(async () => {
      const s = await status("MCPExternalAuthConfig", "api-key");
      return condition(s, "Valid")?.status === "True" ? s : undefined;
    }, "Valid after the Secret appears");
    expect(ok.configHash).toBe(missing.configHash);

    await patch(kc, cr("MCPExternalAuthConfig", "api-key", {}), {
      spec: { headerInjection: { headerName: "X-Other-Key" } },
    });
    await eventually(async () => {
      const h = (await status("MCPExternalAuthConfig", "api-key"))?.configHash;
      return h && h !== ok.configHash;
    }, "configHash changes with the spec");
  });

  it("MCPToolConfig gets Valid and a configHash", async () => {
    await create(
      kc,
      cr("MCPToolConfig", "tools", { toolsFilter: ["echo"], toolsOverride: { echo: { name: "say" } } }),
    );
    const s = await eventually(async () => {
      const st = await status("MCPToolConfig", "tools");
      return st?.configHash ? st : undefined;
    }, "tool config status");
    expect(condition(s, "Valid")).toMatchObject({ status: "True", reason: "ValidationSucceeded" });
  });

  it("a composite tool definition with a dependency cycle is Invalid with the cycle as its error", async () => {
    await create(
      kc,
      cr("VirtualMCPCompositeToolDefinition", "loop", {
        name: "loop",
        steps: [
          { id: "first", tool: "backend.a", dependsOn: ["second"] },
          { id: "second", tool: "backend.b", dependsOn: ["first"] },
        ],
      }),
    );
    const s = await eventually(async () => {
      const st = await status("VirtualMCPCompositeToolDefinition", "loop");
      return st?.validationStatus ? st : undefined;
    }, "validation status");
    expect(s).toMatchObject({
      validationStatus: "Invalid",
      validationErrors: ["dependency cycle: first -> second -> first"],
    });
    expect(condition(s, "WorkflowValidated")).toMatchObject({ status: "False", reason: "DependencyCycle" });
    expect(condition(s, "Ready")).toMatchObject({ status: "False", reason: "WorkflowNotReady" });

    await patch(kc, cr("VirtualMCPCompositeToolDefinition", "loop", {}), {
      spec: {
        steps: [
          { id: "first", tool: "backend.a" },
          { id: "second", tool: "backend.b", dependsOn: ["first"] },
        ],
      },
    });
    const fixed = await eventually(async () => {
      const st = await status("VirtualMCPCompositeToolDefinition", "loop");
      return st?.validationStatus === "Valid" ? st : undefined;
    }, "Valid after the fix");
    expect(fixed.validationErrors ?? []).toEqual([]);

    // A VirtualMCPServer naming it shows up in referencingVirtualServers.
    await create(
      kc,
      cr("VirtualMCPServer", "uses-loop", {
        groupRef: { name: "team" },
        incomingAuth: { type: "anonymous" },
        config: { compositeToolRefs: [{ name: "loop" }] },
      }),
    );
    await eventually(async () => {
      const refs = (await status("VirtualMCPCompositeToolDefinition", "loop"))?.referencingVirtualServers;
      return Array.isArray(refs) && refs.join() === "uses-loop";
    }, "referencingVirtualServers");
  });

  it("re-reconciling everything that has converged sends no write", async () => {
    const writes = () => counterValue(op.metrics.apiserverWrites);
    const reconciles = () => counterValue(op.metrics.reconcileTotal);
    // Converged: nothing queued, nothing running, and no write for longer than the MCPGroup
    // settle ceiling (a group's status waits for its membership to settle, outside the queue).
    let last = -1;
    let since = Date.now();
    await eventually(async () => {
      const w = await writes();
      const idle = op.controllers.every((c) => c.queue.length === 0 && c.queue.processing === 0);
      if (w !== last || !idle) {
        last = w;
        since = Date.now();
      }
      return Date.now() - since > MEMBERSHIP_SETTLE.maxWaitMs + 500;
    }, "idle queues and no pending group status");
    const before = await writes();
    const reconcilesBefore = await reconciles();
    let keys = 0;
    const byController: Record<string, string[]> = {
      mcpgroup: ["MCPGroup"],
      mcpserverentry: ["MCPServerEntry"],
      mcpexternalauthconfig: ["MCPExternalAuthConfig"],
      mcptoolconfig: ["MCPToolConfig"],
      compositetooldefinition: ["VirtualMCPCompositeToolDefinition"],
    };
    for (const c of op.controllers) {
      for (const kind of byController[c.name] ?? []) {
        const plural = {
          MCPGroup: "mcpgroups",
          MCPServerEntry: "mcpserverentries",
          MCPExternalAuthConfig: "mcpexternalauthconfigs",
          MCPToolConfig: "mcptoolconfigs",
          VirtualMCPCompositeToolDefinition: "virtualmcpcompositetooldefinitions",
        }[kind] as string;
        const inf = op.informers.all().find((i) => i.resource === `${plural}.toolhive.stacklok.dev`);
        for (const o of inf?.list(ns.name) ?? []) {
          c.enqueue(objectKey(o));
          keys++;
        }
      }
    }
    expect(keys).toBeGreaterThanOrEqual(8);
    await eventually(async () => (await reconciles()) >= reconcilesBefore + keys, "the forced reconciles");
    expect(await writes()).toBe(before);
  });
});
