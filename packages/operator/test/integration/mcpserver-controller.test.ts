// The MCPServer controller against the real API server (no kubelet here: pod readiness is played by
// patching the Deployment's status, as the kubelet and the Deployment controller would). The real
// node e2e runs the same controller with real pods.
import type { KubeConfig } from "@kubernetes/client-node";
import { kubeRequest } from "@vmcp/kube-kit/http";
import { createLogger } from "@vmcp/kube-kit/logger";
import { API_VERSION } from "@vmcp/shared-types";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { DEFAULT_VMCP_IMAGE } from "../../src/builders/names.ts";
import { mcpGroupController } from "../../src/controllers/mcpgroup.ts";
import { mcpRemoteProxyController } from "../../src/controllers/mcpremoteproxy.ts";
import { mcpServerController } from "../../src/controllers/mcpserver.ts";
import { type RunningOperator, startOperator } from "../../src/manager.ts";
import { create, eventually, get, type Obj, patch } from "./helpers.ts";
import { markDeploymentAvailable, mergePatch, R } from "./virtualmcpserver/vmcp-helpers.ts";

let kc: KubeConfig;
let ns: TestNamespace;
let op: RunningOperator;

type Cond = { type: string; status: string; reason: string; message: string };
type Status = { phase?: string; url?: string; readyReplicas?: number; message?: string; conditions?: Cond[] };

const server = (name: string, spec: Record<string, unknown>): Obj => ({
  apiVersion: API_VERSION,
  kind: "MCPServer",
  metadata: { name, namespace: ns.name },
  spec,
});
const status = async (name: string) =>
  (await get(kc, API_VERSION, "MCPServer", ns.name, name))?.status as Status | undefined;
const specOf = (o: Obj | undefined): unknown => o?.spec ?? {};
const condition = (s: Status | undefined, type: string) => s?.conditions?.find((c) => c.type === type);

beforeAll(async () => {
  kc = testKubeConfig();
  ns = await createNamespace(kc, "mcpserver");
  op = await startOperator({
    kc,
    namespace: ns.name,
    controllers: [mcpGroupController, mcpServerController, mcpRemoteProxyController],
    leaderElection: false,
    logger: createLogger({ level: "warn" }),
  });
});
afterAll(async () => {
  await op?.stop();
  await ns?.delete();
});

describe("MCPServer controller", () => {
  it("an image: Deployment and Service mcp-<name>-proxy owned by it, Pending with status.url, Ready once a replica is", async () => {
    await create(kc, {
      apiVersion: API_VERSION,
      kind: "MCPGroup",
      metadata: { name: "tools", namespace: ns.name },
      spec: {},
    });
    await create(
      kc,
      server("weather", {
        image: "localhost/weather:1",
        transport: "streamable-http",
        groupRef: { name: "tools" },
        args: ["--name", "weather"],
      }),
    );
    const pending = await eventually(async () => {
      const s = await status("weather");
      return s?.phase === "Pending" && s.url ? s : undefined;
    }, "weather Pending with a url");
    expect(pending.url).toBe(`http://mcp-weather-proxy.${ns.name}.svc.cluster.local:8080/mcp`);
    expect(condition(pending, "Ready")).toMatchObject({ status: "False", reason: "NotReady" });
    expect(condition(pending, "GroupRefValidated")).toMatchObject({ status: "True" });
    const dep = await get(kc, "apps/v1", "Deployment", ns.name, "weather");
    const uid = (await get(kc, API_VERSION, "MCPServer", ns.name, "weather"))?.metadata.uid;
    expect(
      (dep?.metadata as { ownerReferences?: unknown[] } | undefined)?.ownerReferences?.[0],
    ).toMatchObject({
      kind: "MCPServer",
      name: "weather",
      uid,
      controller: true,
    });
    const c = (
      specOf(dep) as { template: { spec: { containers: { name: string; image: string; args: string[] }[] } } }
    ).template.spec.containers[0];
    expect(c).toMatchObject({ name: "mcp", image: "localhost/weather:1", args: ["--name", "weather"] });
    const svc = await get(kc, "v1", "Service", ns.name, "mcp-weather-proxy");
    expect((specOf(svc) as { ports: unknown[] }).ports).toEqual([
      { name: "http", port: 8080, targetPort: "mcp", protocol: "TCP" },
    ]);

    await markDeploymentAvailable(kc, ns.name, "weather");
    const ready = await eventually(async () => {
      const s = await status("weather");
      return s?.phase === "Ready" ? s : undefined;
    }, "weather Ready");
    expect(ready).toMatchObject({ readyReplicas: 1, message: "1 replica(s) ready" });
    expect(condition(ready, "Ready")).toMatchObject({ status: "True", reason: "Ready" });

    // A spec change reaches the Deployment (SSA), not a new object.
    await patch(kc, server("weather", {}), { spec: { args: ["--name", "notes"] } });
    await eventually(async () => {
      const d = await get(kc, "apps/v1", "Deployment", ns.name, "weather");
      const args = (specOf(d) as { template: { spec: { containers: { args?: string[] }[] } } }).template.spec
        .containers[0]?.args;
      return args?.[1] === "notes";
    }, "the Deployment follows spec.args");
  });

  it("an env var removed from the spec leaves the Deployment; an unchanged spec writes nothing", async () => {
    type Env = { name: string };
    const envOf = async () =>
      (
        specOf(await get(kc, "apps/v1", "Deployment", ns.name, "envs")) as {
          template?: { spec: { containers: { env?: Env[] }[] } };
        }
      ).template?.spec.containers[0]?.env?.map((e) => e.name) ?? [];
    await create(
      kc,
      server("envs", {
        image: "localhost/envs:1",
        transport: "streamable-http",
        env: [
          { name: "KEEP", value: "1" },
          { name: "DROP", value: "2" },
        ],
      }),
    );
    await eventually(async () => (await envOf()).includes("DROP"), "both env vars rendered");
    await patch(kc, server("envs", {}), { spec: { env: [{ name: "KEEP", value: "1" }] } });
    await eventually(async () => !(await envOf()).includes("DROP"), "DROP removed from the Deployment");
    expect(await envOf()).toContain("KEEP");

    // Wake the controller with a change that alters no owned object: no Deployment or Service write.
    const writes = async () =>
      (await op.metrics.apiserverWrites.get()).values
        .filter((v) => v.labels.kind === "Deployment" || v.labels.kind === "Service")
        .reduce((sum, v) => sum + v.value, 0);
    const rv = async () =>
      (await get(kc, "apps/v1", "Deployment", ns.name, "envs"))?.metadata.resourceVersion;
    const before = { writes: await writes(), rv: await rv() };
    const reconciles = async () =>
      (await op.metrics.reconcileTotal.get()).values
        .filter((v) => v.labels.controller === "mcpserver")
        .reduce((sum, v) => sum + v.value, 0);
    const reconcilesBefore = await reconciles();
    await patch(kc, server("envs", {}), { metadata: { annotations: { "example.com/poke": "1" } } });
    await eventually(async () => (await reconciles()) > reconcilesBefore, "a reconcile ran");
    expect({ writes: await writes(), rv: await rv() }).toEqual(before);
  });

  it("stdio: StatefulSet with stdin open, a proxy Deployment attaching to its pod with its own least-privilege Role, the Service; Ready once both run", async () => {
    await create(
      kc,
      server("local", {
        image: "localhost/local:1",
        transport: "stdio",
        args: ["--stdio"],
        secrets: [{ name: "api", key: "token", targetEnvName: "API_TOKEN" }],
      }),
    );
    const pending = await eventually(async () => {
      const st = await status("local");
      return st?.phase === "Pending" && st.url ? st : undefined;
    }, "local Pending with a url");
    expect(pending.url).toBe(`http://mcp-local-proxy.${ns.name}.svc.cluster.local:8080/mcp`);
    const sts = specOf(await get(kc, "apps/v1", "StatefulSet", ns.name, "local")) as {
      replicas: number;
      template: { spec: { containers: Record<string, unknown>[] } };
    };
    expect(sts.replicas).toBe(1);
    // stdinOnce and tty are false: the API server's defaults, left out of what it returns.
    expect(sts.template.spec.containers[0]).not.toHaveProperty("stdinOnce");
    expect(sts.template.spec.containers[0]).toMatchObject({
      name: "mcp",
      image: "localhost/local:1",
      args: ["--stdio"],
      stdin: true,
      env: [
        { name: "MCP_TRANSPORT", value: "stdio" },
        { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "api", key: "token" } } },
      ],
    });
    const proxy = specOf(await get(kc, "apps/v1", "Deployment", ns.name, "local")) as {
      template: { spec: { serviceAccountName: string; containers: { image: string; args: string[] }[] } };
    };
    expect(proxy.template.spec.serviceAccountName).toBe("local-proxy-runner");
    expect(proxy.template.spec.containers[0]?.image).toBe(DEFAULT_VMCP_IMAGE);
    expect(proxy.template.spec.containers[0]?.args.slice(0, 3)).toEqual(["proxy", "--pod", "local-0"]);
    const role = await get(kc, "rbac.authorization.k8s.io/v1", "Role", ns.name, "local-proxy-runner");
    expect((role as { rules?: unknown } | undefined)?.rules).toEqual([
      { apiGroups: [""], resources: ["pods"], resourceNames: ["local-0"], verbs: ["get"] },
      { apiGroups: [""], resources: ["pods/attach"], resourceNames: ["local-0"], verbs: ["get", "create"] },
    ]);
    expect(
      await get(kc, "rbac.authorization.k8s.io/v1", "RoleBinding", ns.name, "local-proxy-runner"),
    ).toBeDefined();
    expect(await get(kc, "v1", "ServiceAccount", ns.name, "local-proxy-runner")).toBeDefined();
    const svc = specOf(await get(kc, "v1", "Service", ns.name, "mcp-local-proxy")) as {
      selector: Record<string, string>;
    };
    expect(svc.selector["app.kubernetes.io/component"]).toBe("proxy");

    // The proxy alone is not enough: its server's pod must run too.
    await markDeploymentAvailable(kc, ns.name, "local");
    const waiting = await eventually(async () => {
      const st = await status("local");
      return st?.message?.startsWith("Waiting for the stdio server pod") ? st : undefined;
    }, "local waiting for its server pod");
    expect(waiting.phase).toBe("Pending");
    await mergePatch(
      kc,
      { group: "apps", version: "v1", plural: "statefulsets" },
      ns.name,
      "local",
      { status: { replicas: 1, readyReplicas: 1, availableReplicas: 1 } },
      true,
    );
    const ready = await eventually(async () => {
      const st = await status("local");
      return st?.phase === "Ready" ? st : undefined;
    }, "local Ready");
    expect(condition(ready, "Ready")).toMatchObject({ status: "True", reason: "Ready" });

    // A reconcile of an unchanged spec writes none of the six objects (the API server's defaults
    // on a StatefulSet or a Role do not count as a difference).
    const writes = async () =>
      Object.fromEntries(
        (await op.metrics.apiserverWrites.get()).values
          .filter((v) => v.labels.kind !== "MCPServer")
          .map((v) => [`${v.labels.kind} ${v.labels.verb}`, v.value]),
      );
    const reconciles = async () =>
      (await op.metrics.reconcileTotal.get()).values
        .filter((v) => v.labels.controller === "mcpserver")
        .reduce((sum, v) => sum + v.value, 0);
    const before = await writes();
    const reconcilesBefore = await reconciles();
    await patch(kc, server("local", {}), { metadata: { annotations: { "example.com/poke": "1" } } });
    await eventually(async () => (await reconciles()) > reconcilesBefore, "a reconcile ran");
    expect(await writes()).toEqual(before);
  });

  it("transport switched HTTP -> stdio -> HTTP: the objects the new transport does not use are deleted, the neighbour's are not", async () => {
    type Sel = { selector?: { matchLabels?: Record<string, string> } };
    const component = async (name: string) =>
      (specOf(await get(kc, "apps/v1", "Deployment", ns.name, name)) as Sel).selector?.matchLabels?.[
        "app.kubernetes.io/component"
      ] ?? "none";
    const stdioObjects = async (name: string) =>
      (
        await Promise.all([
          get(kc, "apps/v1", "StatefulSet", ns.name, name),
          get(kc, "v1", "ServiceAccount", ns.name, `${name}-proxy-runner`),
          get(kc, "rbac.authorization.k8s.io/v1", "Role", ns.name, `${name}-proxy-runner`),
          get(kc, "rbac.authorization.k8s.io/v1", "RoleBinding", ns.name, `${name}-proxy-runner`),
        ])
      ).map((o) => o !== undefined);
    // A stdio neighbour whose objects share every label but the instance's.
    await create(kc, server("neighbour", { image: "localhost/n:1", transport: "stdio" }));
    await eventually(
      async () => (await stdioObjects("neighbour")).every(Boolean),
      "neighbour's stdio objects",
    );

    await create(kc, server("switch", { image: "localhost/s:1", transport: "streamable-http" }));
    await eventually(async () => (await component("switch")) === "none", "the HTTP Deployment");
    const httpUid = (await get(kc, "apps/v1", "Deployment", ns.name, "switch"))?.metadata.uid;

    await patch(kc, server("switch", {}), { spec: { transport: "stdio" } });
    // The Deployment's selector cannot change: a new proxy Deployment replaces the server's.
    await eventually(async () => (await component("switch")) === "proxy", "the stdio proxy Deployment");
    expect((await get(kc, "apps/v1", "Deployment", ns.name, "switch"))?.metadata.uid).not.toBe(httpUid);
    await eventually(async () => (await stdioObjects("switch")).every(Boolean), "the stdio objects");
    // The Service and the status come after the workload in the same reconcile: awaited, not read.
    const serviceComponent = async () =>
      (
        specOf(await get(kc, "v1", "Service", ns.name, "mcp-switch-proxy")) as {
          selector?: Record<string, string>;
        }
      ).selector?.["app.kubernetes.io/component"] ?? "none";
    await eventually(async () => (await serviceComponent()) === "proxy", "the Service selects the proxy");
    await eventually(async () => (await status("switch"))?.url?.endsWith("/mcp"), "status.url");

    await patch(kc, server("switch", {}), { spec: { transport: "sse" } });
    await eventually(
      async () => (await stdioObjects("switch")).every((present) => !present),
      "StatefulSet, ServiceAccount, Role and RoleBinding of the stdio transport deleted",
    );
    await eventually(async () => (await component("switch")) === "none", "the HTTP Deployment again");
    await eventually(async () => (await serviceComponent()) === "none", "the Service selects the server");
    await eventually(
      async () =>
        (await status("switch"))?.url ===
        `http://mcp-switch-proxy.${ns.name}.svc.cluster.local:8080/sse#switch`,
      "status.url of the SSE transport",
    );
    // Nothing of the neighbour's was touched.
    expect(await stdioObjects("neighbour")).toEqual([true, true, true, true]);
    expect(await component("neighbour")).toBe("proxy");
    const reasons = async () =>
      (
        await kubeRequest<{ items: { reason?: string; regarding?: { name?: string } }[] }>(kc, {
          method: "GET",
          path: `/apis/events.k8s.io/v1/namespaces/${ns.name}/events`,
        })
      ).items
        .filter((e) => e.regarding?.name === "switch")
        .map((e) => e.reason);
    await eventually(async () => {
      const r = await reasons();
      return ["DeploymentDeleted", "StatefulSetDeleted", "RoleDeleted"].every((x) => r.includes(x));
    }, "a Normal Event for each deletion");
  });

  it("spec.serviceAccount is refused (ServiceAccountNotAllowed): no pod may borrow a namespace account through the operator", async () => {
    await create(
      kc,
      server("borrower", { image: "localhost/x:1", transport: "streamable-http", serviceAccount: "default" }),
    );
    const s = await eventually(async () => {
      const st = await status("borrower");
      return st?.phase === "Failed" ? st : undefined;
    }, "borrower Failed");
    expect(condition(s, "Valid")).toMatchObject({ status: "False", reason: "ServiceAccountNotAllowed" });
    expect(await get(kc, "apps/v1", "Deployment", ns.name, "borrower")).toBeUndefined();
  });

  it("a podTemplateSpec outside the allow-list: PodTemplateValid=False naming the field, no Deployment", async () => {
    await create(
      kc,
      server("sneaky", {
        image: "localhost/x:1",
        transport: "sse",
        podTemplateSpec: { spec: { containers: [{ name: "mcp", command: ["sh"] }] } },
      }),
    );
    const s = await eventually(async () => {
      const st = await status("sneaky");
      return st?.phase === "Failed" ? st : undefined;
    }, "sneaky Failed");
    expect(condition(s, "PodTemplateValid")).toMatchObject({
      status: "False",
      reason: "InvalidPodTemplateSpec",
    });
    expect(condition(s, "PodTemplateValid")?.message).toContain("spec.containers[mcp].command");
    expect(await get(kc, "apps/v1", "Deployment", ns.name, "sneaky")).toBeUndefined();
  });

  it("no image: not this operator's to run; a status someone else wrote is left as it is", async () => {
    await create(kc, server("external", { transport: "streamable-http" }));
    await mergePatch(
      kc,
      R.server,
      ns.name,
      "external",
      { status: { phase: "Ready", url: "http://elsewhere:8080/mcp" } },
      true,
    );
    // The reconciles above prove the controller runs; give this one the same chance.
    await eventually(async () => (await status("borrower"))?.phase === "Failed", "controller running");
    expect(await status("external")).toEqual({ phase: "Ready", url: "http://elsewhere:8080/mcp" });
    expect(await get(kc, "apps/v1", "Deployment", ns.name, "external")).toBeUndefined();
  });
});

describe("MCPRemoteProxy controller", () => {
  const proxy = (name: string, spec: Record<string, unknown>): Obj => ({
    apiVersion: API_VERSION,
    kind: "MCPRemoteProxy",
    metadata: { name, namespace: ns.name },
    spec,
  });
  const proxyStatus = async (name: string) =>
    (await get(kc, API_VERSION, "MCPRemoteProxy", ns.name, name))?.status as Status | undefined;

  it("the runtime in single-backend mode: ConfigMap, Deployment and Service owned by it, status.url, Ready once a replica is", async () => {
    await create(kc, proxy("crm", { remoteUrl: "https://crm.example.com/mcp" }));
    const pending = await eventually(async () => {
      const s = await proxyStatus("crm");
      return s?.phase === "Pending" && s.url ? s : undefined;
    }, "crm Pending with a url");
    expect(pending.url).toBe(`http://mcp-crm-remote-proxy.${ns.name}.svc.cluster.local:8080/mcp`);
    expect(pending).not.toHaveProperty("readyReplicas");
    const cm = await get(kc, "v1", "ConfigMap", ns.name, "crm-remote-proxy-config");
    expect((cm as { data?: Record<string, string> } | undefined)?.data?.["config.yaml"]).toContain(
      "https://crm.example.com/mcp",
    );
    const svc = await get(kc, "v1", "Service", ns.name, "mcp-crm-remote-proxy");
    expect((specOf(svc) as { sessionAffinity?: string }).sessionAffinity).toBe("ClientIP");
    await markDeploymentAvailable(kc, ns.name, "crm-remote-proxy");
    await eventually(async () => (await proxyStatus("crm"))?.phase === "Ready", "crm Ready");
  });

  const configYaml = async (name: string) =>
    parseYaml(
      (
        (await get(kc, "v1", "ConfigMap", ns.name, `${name}-remote-proxy-config`)) as {
          data?: Record<string, string>;
        }
      )?.data?.["config.yaml"] ?? "{}",
    ) as {
      incomingAuth?: { type: string; oidc?: { issuer?: string; audience?: string } };
      outgoingAuth?: { backends?: Record<string, { headerInjection?: { headerName?: string } }> };
      backends?: { transport?: string; headers?: unknown[] }[];
    };
  const proxyEnv = async (name: string) =>
    (
      (await get(kc, "apps/v1", "Deployment", ns.name, `${name}-remote-proxy`)) as
        | { spec?: { template?: { spec?: { containers?: { env?: unknown[] }[] } } } }
        | undefined
    )?.spec?.template?.spec?.containers?.[0]?.env;
  const oidc = (issuer: string): Obj => ({
    apiVersion: API_VERSION,
    kind: "MCPOIDCConfig",
    metadata: { name: "idp", namespace: ns.name },
    spec: { type: "inline", inline: { issuer, clientId: "crm-proxy" } },
  });

  it("oidcConfigRef: refused until the MCPOIDCConfig exists, then rendered; a change of the MCPOIDCConfig re-renders it", async () => {
    await create(
      kc,
      proxy("secure", {
        remoteUrl: "https://crm.example.com/mcp",
        transport: "sse",
        oidcConfigRef: { name: "idp", audience: "crm-proxy" },
      }),
    );
    const refused = await eventually(async () => {
      const s = await proxyStatus("secure");
      return s?.phase === "Failed" ? s : undefined;
    }, "secure Failed without its MCPOIDCConfig");
    expect(condition(refused, "Valid")).toMatchObject({ status: "False", reason: "AuthInvalid" });
    expect(condition(refused, "OIDCConfigRefValidated")).toMatchObject({
      status: "False",
      reason: "OIDCConfigRefNotFound",
    });
    expect(await get(kc, "apps/v1", "Deployment", ns.name, "secure-remote-proxy")).toBeUndefined();

    await create(kc, oidc("https://idp.example"));
    const ok = await eventually(async () => {
      const s = await proxyStatus("secure");
      return s?.phase === "Pending" && s.url ? s : undefined;
    }, "secure deployed once its MCPOIDCConfig exists");
    expect(condition(ok, "AuthConfigured")).toMatchObject({ status: "True", reason: "AuthValid" });
    expect(condition(ok, "Valid")).toMatchObject({ status: "True" });
    // spec.transport sse is the proxy's link to the remote; it serves Streamable HTTP at /mcp.
    expect(ok.url).toBe(`http://mcp-secure-remote-proxy.${ns.name}.svc.cluster.local:8080/mcp`);
    const cfg = await configYaml("secure");
    expect(cfg.incomingAuth).toMatchObject({
      type: "oidc",
      oidc: { issuer: "https://idp.example", audience: "crm-proxy" },
    });
    expect(cfg.backends?.[0]?.transport).toBe("sse");
    const hash = (await proxyStatus("secure")) as { oidcConfigHash?: string };
    expect(hash.oidcConfigHash).toMatch(/./);

    await patch(kc, oidc(""), { spec: { inline: { issuer: "https://idp2.example" } } });
    await eventually(
      async () => (await configYaml("secure")).incomingAuth?.oidc?.issuer === "https://idp2.example",
      "the ConfigMap follows the MCPOIDCConfig",
    );
    await eventually(async () => {
      const s = (await proxyStatus("secure")) as { oidcConfigHash?: string } | undefined;
      return s?.oidcConfigHash !== undefined && s.oidcConfigHash !== hash.oidcConfigHash;
    }, "status.oidcConfigHash follows the MCPOIDCConfig");
  });

  it("externalAuthConfigRef and headerForward: Secret values as secretKeyRef env; a change of the MCPExternalAuthConfig re-renders", async () => {
    const auth = (headerName: string): Obj => ({
      apiVersion: API_VERSION,
      kind: "MCPExternalAuthConfig",
      metadata: { name: "crm-key", namespace: ns.name },
      spec: {
        type: "headerInjection",
        headerInjection: { headerName, valueSecretRef: { name: "crm", key: "api" } },
      },
    });
    await create(kc, auth("X-API-Key"));
    await create(
      kc,
      proxy("keyed", {
        remoteUrl: "https://crm.example.com/mcp",
        externalAuthConfigRef: { name: "crm-key" },
        headerForward: {
          addPlaintextHeaders: { "X-Tenant": "acme" },
          addHeadersFromSecret: [
            { headerName: "X-Trace-Key", valueSecretRef: { name: "crm", key: "trace" } },
          ],
        },
      }),
    );
    const s = await eventually(async () => {
      const st = await proxyStatus("keyed");
      return st?.phase === "Pending" && st.url ? st : undefined;
    }, "keyed deployed");
    expect(condition(s, "ExternalAuthConfigValidated")).toMatchObject({ status: "True" });
    expect((s as { externalAuthConfigHash?: string }).externalAuthConfigHash).toMatch(/./);
    const cfg = await configYaml("keyed");
    expect(cfg.backends?.[0]?.headers).toEqual([
      { name: "X-Tenant", value: "acme" },
      { name: "X-Trace-Key", valueEnv: "VMCP_HEADER_FORWARD_X_TRACE_KEY" },
    ]);
    expect(cfg.outgoingAuth?.backends?.keyed?.headerInjection?.headerName).toBe("X-API-Key");
    expect(await proxyEnv("keyed")).toEqual([
      {
        name: "TOOLHIVE_HEADER_INJECTION_VALUE_CRM_KEY",
        valueFrom: { secretKeyRef: { name: "crm", key: "api" } },
      },
      { name: "VMCP_HEADER_FORWARD_X_TRACE_KEY", valueFrom: { secretKeyRef: { name: "crm", key: "trace" } } },
    ]);
    await patch(kc, auth("X-API-Key"), { spec: { headerInjection: { headerName: "X-Crm-Key" } } });
    await eventually(
      async () =>
        (await configYaml("keyed")).outgoingAuth?.backends?.keyed?.headerInjection?.headerName ===
        "X-Crm-Key",
      "the ConfigMap follows the MCPExternalAuthConfig",
    );
  });

  it("a forbidden header or URL: Valid=False naming it, nothing deployed", async () => {
    await create(
      kc,
      proxy("hop", {
        remoteUrl: "https://crm.example.com/mcp",
        headerForward: { addPlaintextHeaders: { Connection: "close" } },
      }),
    );
    await create(kc, proxy("meta", { remoteUrl: "http://169.254.169.254/latest" }));
    const hop = await eventually(async () => {
      const s = await proxyStatus("hop");
      return s?.phase === "Failed" ? s : undefined;
    }, "hop Failed");
    expect(condition(hop, "Valid")).toMatchObject({ status: "False", reason: "HeaderForwardInvalid" });
    expect(condition(hop, "Valid")?.message).toMatch(/^headerForward: Connection /);
    const meta = await eventually(async () => {
      const s = await proxyStatus("meta");
      return s?.phase === "Failed" ? s : undefined;
    }, "meta Failed");
    expect(condition(meta, "Valid")).toMatchObject({ status: "False", reason: "RemoteURLInvalid" });
    expect(await get(kc, "apps/v1", "Deployment", ns.name, "hop-remote-proxy")).toBeUndefined();
    expect(await get(kc, "apps/v1", "Deployment", ns.name, "meta-remote-proxy")).toBeUndefined();
  });
});
