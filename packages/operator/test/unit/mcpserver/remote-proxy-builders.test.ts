import { API_VERSION, MCPRemoteProxySchema, VmcpConfigSchema } from "@vmcp/shared-types";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  buildRemoteProxyConfigMap,
  buildRemoteProxyDeployment,
  buildRemoteProxyService,
  remoteProxyConfig,
  remoteProxyUnsupported,
  remoteProxyUrl,
} from "../../../src/builders/remote-proxy/workload.ts";

const proxy = (spec: Record<string, unknown> = {}) =>
  MCPRemoteProxySchema.parse({
    apiVersion: API_VERSION,
    kind: "MCPRemoteProxy",
    metadata: { name: "crm", namespace: "team", uid: "uid-p", generation: 2 },
    spec: { remoteUrl: "https://crm.example.com/mcp", ...spec },
  });
const owner = { apiVersion: API_VERSION, kind: "MCPRemoteProxy", name: "crm", uid: "uid-p" };
const input = (spec: Record<string, unknown> = {}) => ({
  proxy: proxy(spec),
  owner,
  image: "localhost/vmcp:1",
});

describe("MCPRemoteProxy builders", () => {
  it("config.yaml: one static backend at remoteUrl, bare tool names (priority), anonymous, valid for the runtime", () => {
    const cfg = VmcpConfigSchema.parse(remoteProxyConfig(proxy({ allowPrivateEndpoint: true })));
    expect(cfg.backends).toEqual([
      {
        name: "crm",
        url: "https://crm.example.com/mcp",
        transport: "streamable-http",
        metadata: { allow_private_endpoint: "true" },
      },
    ]);
    expect(cfg.aggregation.conflictResolution).toBe("priority");
    expect(cfg.aggregation.conflictResolutionConfig.priorityOrder).toEqual(["crm"]);
    expect(cfg.incomingAuth).toEqual({ type: "anonymous" });
    expect(remoteProxyConfig(proxy()).backends?.[0]).not.toHaveProperty("metadata");
    const cm = buildRemoteProxyConfigMap(input());
    expect(cm.metadata?.name).toBe("crm-remote-proxy-config");
    expect(parse(cm.data?.["config.yaml"] ?? "")).toMatchObject({
      name: "crm",
      backends: [{ url: "https://crm.example.com/mcp" }],
    });
  });

  it("Deployment: the runtime image, serve --config, restricted, no token by default, rolls when the config changes", () => {
    const d = buildRemoteProxyDeployment(input());
    const pod = d.spec?.template.spec;
    const c = pod?.containers[0];
    expect(d.metadata?.name).toBe("crm-remote-proxy");
    expect(d.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "MCPRemoteProxy",
      uid: "uid-p",
      controller: true,
    });
    expect(c?.image).toBe("localhost/vmcp:1");
    expect(c?.args).toEqual([
      "serve",
      "--config=/etc/vmcp-config/config.yaml",
      "--host=0.0.0.0",
      "--port=4483",
      "--shutdown-delay=5s",
    ]);
    expect(c?.env).toBeUndefined(); // no VMCP_NAME: not Kubernetes mode, no status reporting
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(c?.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(d.spec?.replicas).toBeUndefined();
    expect(buildRemoteProxyDeployment(input({ replicas: 2 })).spec?.replicas).toBe(2);
    expect(
      buildRemoteProxyDeployment(input({ resources: { limits: { memory: "1Gi" } } })).spec?.template.spec
        ?.containers[0]?.resources?.limits,
    ).toEqual({ cpu: "500m", memory: "1Gi" });
    const sum = (x: ReturnType<typeof buildRemoteProxyDeployment>) =>
      x.spec?.template.metadata?.annotations?.["toolhive.stacklok.dev/content-checksum"];
    expect(sum(d)).toBe(sum(buildRemoteProxyDeployment(input())));
    expect(sum(d)).not.toBe(
      sum(buildRemoteProxyDeployment(input({ remoteUrl: "https://other.example.com/mcp" }))),
    );
  });

  it("Service mcp-<name>-remote-proxy: proxyPort -> 4483, sessionAffinity ClientIP unless set; status.url on it", () => {
    const svc = buildRemoteProxyService(input({ proxyPort: 9000 }));
    expect(svc.metadata?.name).toBe("mcp-crm-remote-proxy");
    expect(svc.spec?.ports).toEqual([{ name: "http", port: 9000, targetPort: "http", protocol: "TCP" }]);
    expect(svc.spec?.sessionAffinity).toBe("ClientIP");
    expect(buildRemoteProxyService(input({ sessionAffinity: "None" })).spec?.sessionAffinity).toBe("None");
    expect(remoteProxyUrl("crm", "team", 9000)).toBe(
      "http://mcp-crm-remote-proxy.team.svc.cluster.local:9000/mcp",
    );
  });

  it("refuses what the proxy does not implement yet, by field, instead of running without it", () => {
    expect(remoteProxyUnsupported(proxy().spec)).toBeUndefined();
    expect(remoteProxyUnsupported(proxy({ oidcConfigRef: { name: "o", audience: "a" } }).spec)).toMatch(
      /^oidcConfigRef: /,
    );
    expect(remoteProxyUnsupported(proxy({ externalAuthConfigRef: { name: "x" } }).spec)).toMatch(
      /^externalAuthConfigRef: /,
    );
    expect(remoteProxyUnsupported(proxy({ transport: "sse" }).spec)).toMatch(/^transport sse: /);
  });
});
