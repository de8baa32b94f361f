import type { V1Container, V1Deployment } from "@kubernetes/client-node";
import { API_VERSION, MCPServerSchema } from "@vmcp/shared-types";
import { describe, expect, it } from "vitest";
import {
  mcpServerInstance,
  mcpServerServiceName,
  mcpServerUrl,
} from "../../../src/builders/mcpserver/names.ts";
import {
  computeMcpServerStatus,
  serviceAccountRefusal,
  transportRefusal,
} from "../../../src/builders/mcpserver/status.ts";
import {
  buildMcpServerDeployment,
  buildMcpServerService,
  DEFAULT_MCP_RESOURCES,
} from "../../../src/builders/mcpserver/workload.ts";
import { InvalidPodTemplateSpecError } from "../../../src/builders/pod-template-overlay.ts";

const server = (spec: Record<string, unknown>, generation = 3) =>
  MCPServerSchema.parse({
    apiVersion: API_VERSION,
    kind: "MCPServer",
    metadata: { name: "weather", namespace: "team", uid: "uid-1", generation },
    spec: { image: "localhost/weather:1", transport: "streamable-http", ...spec },
  });
const owner = { apiVersion: API_VERSION, kind: "MCPServer", name: "weather", uid: "uid-1" };
const deployment = (spec: Record<string, unknown> = {}) =>
  buildMcpServerDeployment({ server: server(spec), owner });
const container = (d: V1Deployment): V1Container => {
  const c = d.spec?.template.spec?.containers[0];
  if (!c) throw new Error("no container");
  return c;
};
const env = (d: V1Deployment) => Object.fromEntries((container(d).env ?? []).map((e) => [e.name, e]));
const NOW = new Date("2026-12-03T00:00:00Z");

describe("MCPServer Deployment", () => {
  it("runs spec.image with spec.args in container mcp, owned by the MCPServer, selected by ToolHive's labels", () => {
    const d = deployment({ args: ["--name", "weather"] });
    expect(d.metadata?.name).toBe("weather");
    expect(d.metadata?.namespace).toBe("team");
    expect(d.metadata?.ownerReferences).toEqual([{ ...owner, controller: true, blockOwnerDeletion: true }]);
    expect(d.spec?.selector.matchLabels).toEqual({
      app: "mcpserver",
      "app.kubernetes.io/name": "mcpserver",
      "app.kubernetes.io/instance": "weather",
      toolhive: "true",
      "toolhive-name": "weather",
    });
    expect(d.spec?.template.metadata?.labels).toEqual(d.spec?.selector.matchLabels);
    expect(mcpServerInstance(d.spec?.template.metadata?.labels)).toBe("weather");
    const c = container(d);
    expect(c.name).toBe("mcp");
    expect(c.image).toBe("localhost/weather:1");
    expect(c.args).toEqual(["--name", "weather"]);
    // replicas left to Kubernetes (default 1) so kubectl scale is not undone
    expect(d.spec?.replicas).toBeUndefined();
    expect(deployment().spec?.template.spec?.containers[0]?.args).toBeUndefined();
  });

  it("listens on mcpPort (else proxyPort), told through MCP_PORT/FASTMCP_PORT/MCP_TRANSPORT, probed on TCP", () => {
    expect(container(deployment()).ports).toEqual([{ name: "mcp", containerPort: 8080, protocol: "TCP" }]);
    const d = deployment({ mcpPort: 9000, transport: "sse" });
    expect(container(d).ports?.[0]?.containerPort).toBe(9000);
    expect(env(d).MCP_PORT?.value).toBe("9000");
    expect(env(d).FASTMCP_PORT?.value).toBe("9000");
    expect(env(d).MCP_TRANSPORT?.value).toBe("sse");
    expect(env(d).MCP_HOST?.value).toBe("0.0.0.0");
    expect(container(d).readinessProbe?.tcpSocket?.port).toBe("mcp");
    expect(container(d).livenessProbe?.tcpSocket?.port).toBe("mcp");
  });

  it("env: spec.env after the MCP_* defaults (the user's value wins), secrets as secretKeyRef, never a literal", () => {
    const d = deployment({
      env: [
        { name: "CITY", value: "Lisbon" },
        { name: "MCP_PORT", value: "7000" },
      ],
      secrets: [
        { name: "api", key: "token", targetEnvName: "API_TOKEN" },
        { name: "other", key: "PLAIN_KEY" },
      ],
    });
    const e = env(d);
    expect(e.CITY).toEqual({ name: "CITY", value: "Lisbon" });
    expect(e.MCP_PORT?.value).toBe("7000");
    expect(e.API_TOKEN).toEqual({
      name: "API_TOKEN",
      valueFrom: { secretKeyRef: { name: "api", key: "token" } },
    });
    expect(e.PLAIN_KEY?.valueFrom?.secretKeyRef).toEqual({ name: "other", key: "PLAIN_KEY" });
    expect(new Set((container(d).env ?? []).map((x) => x.name)).size).toBe(container(d).env?.length);
  });

  it("resources: spec.resources over the defaults, key by key", () => {
    expect(container(deployment()).resources).toEqual(DEFAULT_MCP_RESOURCES);
    const r = container(
      deployment({ resources: { limits: { memory: "1Gi" }, requests: { cpu: "50m" } } }),
    ).resources;
    expect(r).toEqual({ requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "1Gi" } });
  });

  it("restricted Pod Security Standard: non-root 1000, no escalation, all capabilities dropped, read-only root with /tmp", () => {
    const d = deployment();
    const pod = d.spec?.template.spec;
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container(d).securityContext).toEqual({
      privileged: false,
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      seccompProfile: { type: "RuntimeDefault" },
      capabilities: { drop: ["ALL"] },
    });
    expect(container(d).volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(pod?.volumes).toEqual([{ name: "tmp", emptyDir: {} }]);
  });

  it("no API token, and spec.serviceAccount refused (it would lend that account's rights to the image)", () => {
    expect(deployment().spec?.template.spec).toMatchObject({ automountServiceAccountToken: false });
    expect(deployment().spec?.template.spec?.serviceAccountName).toBeUndefined();
    expect(serviceAccountRefusal(server({}).spec)).toBeUndefined();
    expect(serviceAccountRefusal(server({ serviceAccount: "admin" }).spec)).toMatchObject({
      type: "Valid",
      reason: "ServiceAccountNotAllowed",
      message: expect.stringMatching(/^spec\.serviceAccount: not allowed \("admin"\)/),
    });
  });

  it("podTemplateSpec: the allow-list merges env, volumes, mounts and scheduling into container mcp; labels stay ours", () => {
    const d = deployment({
      podTemplateSpec: {
        metadata: { labels: { team: "a", toolhive: "false" }, annotations: { note: "x" } },
        spec: {
          nodeSelector: { disk: "ssd" },
          volumes: [{ name: "data", emptyDir: {} }],
          containers: [
            {
              name: "mcp",
              env: [{ name: "EXTRA", value: "1" }],
              volumeMounts: [{ name: "data", mountPath: "/data" }],
            },
          ],
        },
      },
    });
    const pod = d.spec?.template;
    expect(pod?.metadata?.labels).toMatchObject({ team: "a", toolhive: "true" });
    expect(pod?.metadata?.annotations).toEqual({ note: "x" });
    expect(pod?.spec?.nodeSelector).toEqual({ disk: "ssd" });
    expect(pod?.spec?.volumes?.map((v) => v.name)).toEqual(["tmp", "data"]);
    expect(env(d).EXTRA?.value).toBe("1");
    expect(container(d).volumeMounts?.map((m) => m.mountPath)).toEqual(["/tmp", "/data"]);
  });

  it.each([
    ["another container", { spec: { containers: [{ name: "sidecar" }] } }, "spec.containers[sidecar]"],
    [
      "the image",
      { spec: { containers: [{ name: "mcp", image: "evil" }] } },
      "spec.containers[mcp].image: not allowed (use spec.image and spec.args)",
    ],
    ["host network", { spec: { hostNetwork: true } }, "spec.hostNetwork"],
    ["a security context", { spec: { securityContext: { runAsUser: 0 } } }, "spec.securityContext"],
    [
      "the /tmp mount",
      { spec: { containers: [{ name: "mcp", volumeMounts: [{ name: "x", mountPath: "/tmp" }] }] } },
      "volumeMounts[/tmp]",
    ],
    [
      "a hostPath volume",
      { spec: { volumes: [{ name: "h", hostPath: { path: "/" } }] } },
      "spec.volumes[h].hostPath",
    ],
  ])("podTemplateSpec refused: %s (the error names the field)", (_what, podTemplateSpec, path) => {
    expect(() => deployment({ podTemplateSpec })).toThrow(InvalidPodTemplateSpecError);
    expect(() => deployment({ podTemplateSpec })).toThrow(path);
  });
});

describe("MCPServer Service and URL", () => {
  it("Service mcp-<name>-proxy on proxyPort to the server's mcp port, ClusterIP left to the API server", () => {
    const svc = buildMcpServerService({ server: server({ proxyPort: 9090, mcpPort: 3000 }), owner });
    expect(svc.metadata?.name).toBe("mcp-weather-proxy");
    expect(mcpServerServiceName("weather")).toBe("mcp-weather-proxy");
    expect(svc.spec?.ports).toEqual([{ name: "http", port: 9090, targetPort: "mcp", protocol: "TCP" }]);
    expect(svc.spec?.selector).toMatchObject({
      "toolhive-name": "weather",
      "app.kubernetes.io/name": "mcpserver",
    });
    expect(svc.spec?.clusterIP).toBeUndefined();
    expect(svc.metadata?.ownerReferences?.[0]?.uid).toBe("uid-1");
  });

  it("status.url as ToolHive's: /mcp for streamable-http, /sse#<name> for sse, on proxyPort", () => {
    expect(mcpServerUrl("weather", "team", server({}).spec)).toBe(
      "http://mcp-weather-proxy.team.svc.cluster.local:8080/mcp",
    );
    expect(mcpServerUrl("weather", "team", server({ transport: "sse", proxyPort: 81 }).spec)).toBe(
      "http://mcp-weather-proxy.team.svc.cluster.local:81/sse#weather",
    );
  });
});

describe("MCPServer status", () => {
  const ready = {
    spec: { selector: {}, template: {} },
    status: { replicas: 1, readyReplicas: 1, availableReplicas: 1 },
  };
  const status = (over: Partial<Parameters<typeof computeMcpServerStatus>[0]> = {}) =>
    computeMcpServerStatus({
      server: server({ groupRef: { name: "tools" } }),
      groupExists: true,
      deployment: undefined,
      serviceExists: false,
      liveConditions: undefined,
      now: NOW,
      ...over,
    });
  const cond = (s: ReturnType<typeof status>, type: string) => s.conditions.find((c) => c.type === type);

  it("Pending without a ready replica; Ready with url and readyReplicas once a pod is ready behind the Service", () => {
    const pending = status({
      deployment: { spec: { selector: {}, template: {} }, status: { replicas: 1 } },
      serviceExists: true,
    });
    expect(pending).toMatchObject({ phase: "Pending", readyReplicas: 0, observedGeneration: 3 });
    expect(pending.url).toBe("http://mcp-weather-proxy.team.svc.cluster.local:8080/mcp");
    expect(cond(pending, "Ready")).toMatchObject({ status: "False", reason: "NotReady" });
    const ok = status({ deployment: ready, serviceExists: true });
    expect(ok).toMatchObject({ phase: "Ready", readyReplicas: 1, message: "1 replica(s) ready" });
    expect(cond(ok, "Ready")).toMatchObject({ status: "True", reason: "Ready", observedGeneration: 3 });
    expect(cond(ok, "Valid")?.status).toBe("True");
    expect(cond(ok, "PodTemplateValid")).toMatchObject({ status: "True", reason: "ValidPodTemplateSpec" });
    expect(cond(ok, "GroupRefValidated")).toMatchObject({ status: "True", reason: "GroupRefIsValid" });
    expect(status({ deployment: ready, serviceExists: false }).url).toBeUndefined();
  });

  it("a missing group is a False GroupRefValidated, not a stopped server", () => {
    const s = status({ groupExists: false, deployment: ready, serviceExists: true });
    expect(cond(s, "GroupRefValidated")).toMatchObject({
      status: "False",
      reason: "GroupRefNotFound",
      message: "MCPGroup tools not found",
    });
    expect(s.phase).toBe("Ready");
  });

  it("image pull failure: Failed, the condition names the image and the kubelet's reason", () => {
    const s = status({
      deployment: { spec: { selector: {}, template: {} }, status: { replicas: 1 } },
      serviceExists: true,
      imagePull: { image: "localhost/weather:nope", reason: "ErrImageNeverPull", message: "not present" },
    });
    expect(s.phase).toBe("Failed");
    expect(cond(s, "Ready")).toMatchObject({
      status: "False",
      reason: "ImagePullFailed",
      message: "Image localhost/weather:nope cannot be pulled (ErrImageNeverPull): not present",
    });
  });

  it("stdio with proxyMode sse: refused with Valid=False UnsupportedProxyMode, no url", () => {
    const sse = server({ transport: "stdio", proxyMode: "sse" });
    const refusal = transportRefusal(sse);
    expect(refusal).toMatchObject({ type: "Valid", reason: "UnsupportedProxyMode" });
    expect(transportRefusal(server({ transport: "stdio" }))).toBeUndefined();
    expect(transportRefusal(server({}))).toBeUndefined();
    const s = status({ server: sse, refusal, serviceExists: true });
    expect(s.phase).toBe("Failed");
    expect(s.url).toBeUndefined();
    expect(cond(s, "Valid")).toMatchObject({ status: "False", reason: "UnsupportedProxyMode" });
  });

  it("stdio: Ready only once both the proxy and the server's StatefulSet have a ready pod; url is the proxy's Service", () => {
    const stdio = server({ transport: "stdio", groupRef: { name: "tools" } });
    const sts = (readyReplicas: number) => ({
      spec: { selector: {}, template: {}, serviceName: "" },
      status: { replicas: 1, readyReplicas },
    });
    const waiting = status({ server: stdio, deployment: ready, statefulSet: sts(0), serviceExists: true });
    expect(waiting.phase).toBe("Pending");
    expect(waiting.message).toBe("Waiting for the stdio server pod of StatefulSet weather");
    expect(
      status({ server: stdio, deployment: ready, statefulSet: undefined, serviceExists: true }).phase,
    ).toBe("Pending");
    const ok = status({ server: stdio, deployment: ready, statefulSet: sts(1), serviceExists: true });
    expect(ok).toMatchObject({
      phase: "Ready",
      url: "http://mcp-weather-proxy.team.svc.cluster.local:8080/mcp",
    });
  });

  it("an invalid podTemplateSpec: PodTemplateValid=False InvalidPodTemplateSpec with the field path", () => {
    const s = status({
      refusal: {
        type: "PodTemplateValid",
        reason: "InvalidPodTemplateSpec",
        message: "spec.hostPID: not allowed",
      },
    });
    expect(s.phase).toBe("Failed");
    expect(cond(s, "PodTemplateValid")).toMatchObject({
      status: "False",
      reason: "InvalidPodTemplateSpec",
      message: "spec.hostPID: not allowed",
    });
  });

  it("keeps lastTransitionTime of an unchanged condition, so recomputing causes no write", () => {
    const first = status({ deployment: ready, serviceExists: true });
    const later = status({
      deployment: ready,
      serviceExists: true,
      liveConditions: first.conditions,
      now: new Date("2026-12-04T00:00:00Z"),
    });
    expect(later).toEqual(first);
  });
});
