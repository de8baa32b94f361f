import type { V1Container, V1Deployment, V1StatefulSet } from "@kubernetes/client-node";
import { API_VERSION, MCPServerSchema } from "@vmcp/shared-types";
import { describe, expect, it } from "vitest";
import { mcpServerInstance } from "../../../src/builders/mcpserver/names.ts";
import {
  buildStdioProxyDeployment,
  buildStdioProxyRole,
  buildStdioProxyRoleBinding,
  buildStdioProxyServiceAccount,
  buildStdioServerStatefulSet,
  DEFAULT_STDIO_PROXY_RESOURCES,
} from "../../../src/builders/mcpserver/stdio.ts";
import {
  buildMcpServerDeployment,
  buildMcpServerService,
  DEFAULT_MCP_RESOURCES,
} from "../../../src/builders/mcpserver/workload.ts";
import { InvalidPodTemplateSpecError } from "../../../src/builders/pod-template-overlay.ts";
import {
  restrictedContainerSecurity,
  restrictedPodSecurity,
} from "../../../src/builders/security-context.ts";

const server = (spec: Record<string, unknown> = {}) =>
  MCPServerSchema.parse({
    apiVersion: API_VERSION,
    kind: "MCPServer",
    metadata: { name: "notes", namespace: "team", uid: "uid-1", generation: 2 },
    spec: { image: "localhost/notes:1", transport: "stdio", ...spec },
  });
const owner = { apiVersion: API_VERSION, kind: "MCPServer", name: "notes", uid: "uid-1" };
const ownerRefs = [{ ...owner, controller: true, blockOwnerDeletion: true }];
const sts = (spec: Record<string, unknown> = {}) =>
  buildStdioServerStatefulSet({ server: server(spec), owner });
const proxy = (spec: Record<string, unknown> = {}) =>
  buildStdioProxyDeployment({ server: server(spec), owner, image: "localhost/vmcp:abc" });
const first = (w: V1StatefulSet | V1Deployment): V1Container => {
  const c = w.spec?.template.spec?.containers[0];
  if (!c) throw new Error("no container");
  return c;
};
const TOOLHIVE_LABELS = {
  app: "mcpserver",
  "app.kubernetes.io/name": "mcpserver",
  "app.kubernetes.io/instance": "notes",
  toolhive: "true",
  "toolhive-name": "notes",
};

describe("stdio MCPServer: the server's StatefulSet", () => {
  it("one pod notes-0 running spec.image with spec.args in container mcp, stdin open across attaches, no tty, owned by the MCPServer", () => {
    const s = sts({ args: ["--stdio"] });
    expect(s.kind).toBe("StatefulSet");
    expect(s.metadata).toMatchObject({ name: "notes", namespace: "team", ownerReferences: ownerRefs });
    expect(s.spec?.replicas).toBe(1);
    const labels = { ...TOOLHIVE_LABELS, "app.kubernetes.io/component": "mcp-server" };
    expect(s.spec?.selector.matchLabels).toEqual(labels);
    expect(s.spec?.template.metadata?.labels).toEqual(labels);
    expect(mcpServerInstance(s.spec?.template.metadata?.labels)).toBe("notes");
    const c = first(s);
    expect(c).toMatchObject({
      name: "mcp",
      image: "localhost/notes:1",
      args: ["--stdio"],
      stdin: true,
    });
    // Not once: the stdin stays open across attaches; no terminal framing either.
    expect(c.stdinOnce ?? false).toBe(false);
    expect(c.tty ?? false).toBe(false);
    // No port and no probe: a stdio server listens on nothing.
    expect(c.ports).toBeUndefined();
    expect(c.readinessProbe).toBeUndefined();
    expect(first(sts()).args).toBeUndefined();
  });

  it("restricted security context, no API token, /tmp the only writable path", () => {
    const s = sts();
    const pod = s.spec?.template.spec;
    expect(pod?.securityContext).toEqual(restrictedPodSecurity());
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(first(s).securityContext).toEqual(restrictedContainerSecurity());
    expect(first(s).volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(pod?.volumes).toEqual([{ name: "tmp", emptyDir: {} }]);
  });

  it("env: MCP_TRANSPORT=stdio and no listen variables, then secrets as secretKeyRef, then spec.env (the user's wins)", () => {
    const c = first(
      sts({
        secrets: [
          { name: "api", key: "token", targetEnvName: "API_TOKEN" },
          { name: "other", key: "PLAIN" },
        ],
        env: [{ name: "LOG", value: "debug" }],
      }),
    );
    expect(c.env).toEqual([
      { name: "MCP_TRANSPORT", value: "stdio" },
      { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "api", key: "token" } } },
      { name: "PLAIN", valueFrom: { secretKeyRef: { name: "other", key: "PLAIN" } } },
      { name: "LOG", value: "debug" },
    ]);
    expect(first(sts({ env: [{ name: "MCP_TRANSPORT", value: "custom" }] })).env).toEqual([
      { name: "MCP_TRANSPORT", value: "custom" },
    ]);
  });

  it("resources: spec.resources over the defaults, key by key", () => {
    expect(first(sts()).resources).toEqual(DEFAULT_MCP_RESOURCES);
    expect(first(sts({ resources: { limits: { memory: "1Gi" } } })).resources).toEqual({
      requests: DEFAULT_MCP_RESOURCES.requests,
      limits: { ...DEFAULT_MCP_RESOURCES.limits, memory: "1Gi" },
    });
  });

  it("podTemplateSpec overlays the server's pod with the HTTP server's allow-list", () => {
    const s = sts({ podTemplateSpec: { spec: { nodeSelector: { disk: "ssd" } } } });
    expect(s.spec?.template.spec?.nodeSelector).toEqual({ disk: "ssd" });
    expect(() => sts({ podTemplateSpec: { spec: { hostPID: true } } })).toThrow(InvalidPodTemplateSpecError);
  });
});

describe("stdio MCPServer: the attach proxy", () => {
  it("Deployment notes runs `vmcp proxy` on the runtime image against pod notes-0, one replica, recreated (never two attached)", () => {
    const d = proxy();
    expect(d.metadata).toMatchObject({ name: "notes", namespace: "team", ownerReferences: ownerRefs });
    expect(d.spec?.replicas).toBe(1);
    expect(d.spec?.strategy).toEqual({ type: "Recreate" });
    const labels = { ...TOOLHIVE_LABELS, "app.kubernetes.io/component": "proxy" };
    expect(d.spec?.selector.matchLabels).toEqual(labels);
    expect(d.spec?.template.metadata?.labels).toEqual(labels);
    const c = first(d);
    expect(c.image).toBe("localhost/vmcp:abc");
    expect(c.args).toEqual([
      "proxy",
      "--pod",
      "notes-0",
      "--container",
      "mcp",
      "--host",
      "0.0.0.0",
      "--port",
      "8080",
    ]);
    expect(c.env).toEqual([
      {
        name: "POD_NAMESPACE",
        valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } },
      },
    ]);
    expect(c.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    expect(c.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(c.livenessProbe?.httpGet).toEqual({ path: "/health", port: "http" });
    expect(c.resources).toEqual(DEFAULT_STDIO_PROXY_RESOURCES);
    expect(c.securityContext).toEqual(restrictedContainerSecurity());
    expect(d.spec?.template.spec?.securityContext).toEqual(restrictedPodSecurity());
  });

  it("runs as its own ServiceAccount notes-proxy-runner, the only pod of the server with an API token", () => {
    const pod = proxy().spec?.template.spec;
    expect(pod?.serviceAccountName).toBe("notes-proxy-runner");
    expect(pod?.automountServiceAccountToken).toBe(true);
    const sa = buildStdioProxyServiceAccount({ server: server(), owner });
    expect(sa.metadata).toMatchObject({
      name: "notes-proxy-runner",
      namespace: "team",
      ownerReferences: ownerRefs,
    });
  });

  it("its Role: get and attach on pod notes-0 only (least privilege); the RoleBinding binds it to that ServiceAccount", () => {
    const role = buildStdioProxyRole({ server: server(), owner });
    expect(role.metadata?.name).toBe("notes-proxy-runner");
    expect(role.rules).toEqual([
      { apiGroups: [""], resources: ["pods"], resourceNames: ["notes-0"], verbs: ["get"] },
      { apiGroups: [""], resources: ["pods/attach"], resourceNames: ["notes-0"], verbs: ["get", "create"] },
    ]);
    const rb = buildStdioProxyRoleBinding({ server: server(), owner });
    expect(rb.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: "notes-proxy-runner",
    });
    expect(rb.subjects).toEqual([{ kind: "ServiceAccount", name: "notes-proxy-runner", namespace: "team" }]);
    // The operator's cache finds them by the MCPServer's labels.
    expect(mcpServerInstance(rb.metadata?.labels)).toBe("notes");
  });

  it("Service mcp-notes-proxy selects the proxy pod only, proxyPort -> the proxy's http port", () => {
    const svc = buildMcpServerService({ server: server({ proxyPort: 9090 }), owner });
    expect(svc.metadata?.name).toBe("mcp-notes-proxy");
    expect(svc.spec?.selector).toEqual({ ...TOOLHIVE_LABELS, "app.kubernetes.io/component": "proxy" });
    expect(svc.spec?.ports).toEqual([{ name: "http", port: 9090, targetPort: "http", protocol: "TCP" }]);
  });
});

describe("ToolHive's resourceOverrides and permissionProfile", () => {
  const overrides = {
    resourceOverrides: {
      proxyDeployment: {
        labels: { team: "a", "toolhive-name": "hijack" },
        annotations: { note: "x" },
        podTemplateMetadataOverrides: {
          labels: { tier: "mcp", app: "hijack" },
          annotations: { scrape: "yes" },
        },
        env: [
          { name: "HTTP_PROXY", value: "http://proxy:3128" },
          { name: "POD_NAMESPACE", value: "elsewhere" },
        ],
      },
      proxyService: { labels: { exposed: "no" }, annotations: { lb: "internal" } },
    },
  };

  it("the stdio proxy's Deployment, pods and env take them; the selector labels and POD_NAMESPACE stay ours", () => {
    const d = proxy(overrides);
    expect(d.metadata?.labels).toMatchObject({ team: "a", "toolhive-name": "notes" });
    expect(d.metadata?.annotations).toEqual({ note: "x" });
    expect(d.spec?.template.metadata?.labels).toMatchObject({ tier: "mcp", app: "mcpserver" });
    expect(d.spec?.template.metadata?.annotations).toEqual({ scrape: "yes" });
    expect(first(d).env).toEqual([
      { name: "HTTP_PROXY", value: "http://proxy:3128" },
      {
        name: "POD_NAMESPACE",
        valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } },
      },
    ]);
    const svc = buildMcpServerService({ server: server(overrides), owner });
    expect(svc.metadata?.labels).toMatchObject({ exposed: "no", app: "mcpserver" });
    expect(svc.metadata?.annotations).toEqual({ lb: "internal" });
    // The server's own pod is not the proxy's.
    expect(sts(overrides).spec?.template.metadata?.labels).not.toHaveProperty("tier");
  });

  it("an HTTP server's Deployment (it is its own proxy) takes the metadata; no annotations without overrides", () => {
    const d = buildMcpServerDeployment({
      server: server({ transport: "streamable-http", ...overrides }),
      owner,
    });
    expect(d.metadata?.annotations).toEqual({ note: "x" });
    expect(d.spec?.template.metadata?.labels).toMatchObject({ tier: "mcp", "toolhive-name": "notes" });
    expect(d.spec?.template.metadata?.annotations).toEqual({ scrape: "yes" });
    const plain = buildMcpServerDeployment({ server: server({ transport: "streamable-http" }), owner });
    expect(plain.metadata).not.toHaveProperty("annotations");
    expect(plain.spec?.template.metadata).toEqual({ labels: TOOLHIVE_LABELS });
  });

  it("permissionProfile is accepted by the schema and changes no object", () => {
    const withProfile = { permissionProfile: { type: "builtin", name: "network" } };
    expect(server(withProfile).spec.permissionProfile).toEqual({ type: "builtin", name: "network" });
    expect(sts(withProfile)).toEqual(sts());
    expect(proxy(withProfile)).toEqual(proxy());
  });
});
