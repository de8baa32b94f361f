import { describe, expect, it } from "vitest";
import { buildDeployment, type DeploymentInput } from "../../../src/builders/deployment.ts";
import { InvalidPodTemplateSpecError } from "../../../src/builders/pod-template-overlay.ts";
import { buildService } from "../../../src/builders/service.ts";

const owner = {
  apiVersion: "toolhive.stacklok.dev/v1beta1",
  kind: "VirtualMCPServer",
  name: "demo",
  uid: "u1",
};
const base: DeploymentInput = {
  owner,
  namespace: "ns",
  image: "registry.local/vmcp:1",
  configChecksum: "abc123",
  debug: false,
  secretEnv: [],
  caBundles: [],
};
const container = (d: ReturnType<typeof buildDeployment>) => {
  const c = d.spec?.template.spec?.containers.find((x) => x.name === "vmcp");
  if (!c) throw new Error("no vmcp container");
  return c;
};

describe("Deployment builder", () => {
  it("runs the vmcp container with the documented args, port, probes and image", () => {
    const d = buildDeployment(base);
    expect(d.metadata?.name).toBe("demo");
    expect(d.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "VirtualMCPServer",
      controller: true,
      blockOwnerDeletion: true,
    });
    const c = container(d);
    expect(c.image).toBe("registry.local/vmcp:1");
    expect(c.args).toEqual([
      "serve",
      "--config=/etc/vmcp-config/config.yaml",
      "--host=0.0.0.0",
      "--port=4483",
      "--shutdown-delay=5s",
    ]);
    expect(c.ports).toEqual([{ name: "http", containerPort: 4483, protocol: "TCP" }]);
    expect(c.livenessProbe?.httpGet).toEqual({ path: "/health", port: "http" });
    expect(c.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(buildDeployment({ ...base, debug: true }).spec?.template.spec?.containers[0]?.args).toContain(
      "--debug",
    );
  });

  it("rolls out surge-first and spreads replicas across nodes without blocking scheduling", () => {
    const d = buildDeployment(base);
    expect(d.spec?.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    expect(d.spec?.template.spec?.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: d.spec?.selector.matchLabels },
      },
    ]);
  });

  it("leaves replicas unset unless the spec sets them", () => {
    expect(buildDeployment(base).spec).not.toHaveProperty("replicas");
    expect(buildDeployment({ ...base, replicas: 0 }).spec?.replicas).toBe(0);
  });

  it("puts the config checksum on the pod template and selects by the shared labels", () => {
    const d = buildDeployment(base);
    expect(d.spec?.template.metadata?.annotations).toEqual({
      "toolhive.stacklok.dev/runconfig-checksum": "abc123",
    });
    expect(d.spec?.selector.matchLabels).toEqual(d.spec?.template.metadata?.labels);
    expect(d.spec?.selector.matchLabels).toMatchObject({
      "app.kubernetes.io/instance": "demo",
      app: "virtualmcpserver",
    });
  });

  it("sets VMCP_NAME/VMCP_NAMESPACE then secret env vars sorted by name, from secretKeyRef", () => {
    const d = buildDeployment({
      ...base,
      secretEnv: [
        { env: "TOOLHIVE_TOKEN_EXCHANGE_CLIENT_SECRET_B", secretName: "s2", key: "k2" },
        { env: "TOOLHIVE_HEADER_INJECTION_VALUE_A", secretName: "s1", key: "k1" },
        { env: "TOOLHIVE_HEADER_INJECTION_VALUE_A", secretName: "s1", key: "k1" },
      ],
    });
    expect(container(d).env).toEqual([
      { name: "VMCP_NAME", value: "demo" },
      { name: "VMCP_NAMESPACE", value: "ns" },
      {
        name: "VMCP_SESSION_KEYS",
        valueFrom: { secretKeyRef: { name: "demo-vmcp-session-keys", key: "keys" } },
      },
      { name: "TOOLHIVE_HEADER_INJECTION_VALUE_A", valueFrom: { secretKeyRef: { name: "s1", key: "k1" } } },
      {
        name: "TOOLHIVE_TOKEN_EXCHANGE_CLIENT_SECRET_B",
        valueFrom: { secretKeyRef: { name: "s2", key: "k2" } },
      },
    ]);
  });

  it("passes the loopback allowance for local development to the runtime only when it is on", () => {
    const env = (d: ReturnType<typeof buildDeployment>) => d.spec?.template.spec?.containers[0]?.env ?? [];
    expect(env(buildDeployment(base)).map((e) => e.name)).not.toContain("VMCP_ALLOW_LOOPBACK_BACKENDS");
    expect(env(buildDeployment({ ...base, allowLoopbackBackends: true }))).toContainEqual({
      name: "VMCP_ALLOW_LOOPBACK_BACKENDS",
      value: "true",
    });
  });

  it("meets the restricted Pod Security Standard with a writable /tmp", () => {
    const d = buildDeployment(base);
    const pod = d.spec?.template.spec;
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const sc = container(d).securityContext;
    expect(sc).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1000,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod?.volumes).toContainEqual({ name: "tmp", emptyDir: {} });
    expect(container(d).volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
    expect(container(d).volumeMounts).toContainEqual({
      name: "vmcp-config",
      mountPath: "/etc/vmcp-config",
      readOnly: true,
    });
    expect(pod?.serviceAccountName).toBe("demo-vmcp");
  });

  it("mounts each entry's CA bundle key read-only under /etc/toolhive/ca-bundles/<entry>", () => {
    const long = "e".repeat(70);
    const d = buildDeployment({
      ...base,
      caBundles: [
        { entry: "corp", configMap: "corp-ca", key: "root.pem" },
        { entry: long, configMap: "other-ca" },
      ],
    });
    const vols = d.spec?.template.spec?.volumes ?? [];
    expect(vols).toContainEqual({
      name: "ca-bundle-corp",
      configMap: { name: "corp-ca", items: [{ key: "root.pem", path: "root.pem" }], optional: true },
    });
    const longVol = vols.find((v) => v.configMap?.name === "other-ca");
    expect(longVol?.name.length).toBeLessThanOrEqual(63);
    expect(longVol?.configMap?.items).toEqual([{ key: "ca.crt", path: "ca.crt" }]);
    const mounts = container(d).volumeMounts ?? [];
    expect(mounts).toContainEqual({
      name: "ca-bundle-corp",
      mountPath: "/etc/toolhive/ca-bundles/corp",
      readOnly: true,
    });
    expect(mounts).toContainEqual({
      name: longVol?.name,
      mountPath: `/etc/toolhive/ca-bundles/${long}`,
      readOnly: true,
    });
  });

  it("applies imagePullSecrets and lays podTemplateSpec over the template without touching selector labels", () => {
    const d = buildDeployment({
      ...base,
      imagePullSecrets: [{ name: "reg-a" }],
      podTemplateSpec: {
        metadata: { labels: { team: "x", app: "hijack" }, annotations: { note: "hi" } },
        spec: {
          nodeSelector: { disk: "ssd" },
          imagePullSecrets: [{ name: "reg-b" }],
          containers: [
            { name: "vmcp", resources: { limits: { memory: "1Gi" } }, env: [{ name: "EXTRA", value: "1" }] },
          ],
        },
      },
    });
    const t = d.spec?.template;
    expect(t?.metadata?.labels).toMatchObject({ team: "x", app: "virtualmcpserver" });
    expect(t?.metadata?.annotations).toMatchObject({
      note: "hi",
      "toolhive.stacklok.dev/runconfig-checksum": "abc123",
    });
    expect(t?.spec?.nodeSelector).toEqual({ disk: "ssd" });
    expect(t?.spec?.imagePullSecrets).toEqual([{ name: "reg-a" }, { name: "reg-b" }]);
    const c = container(d);
    expect(c.resources).toEqual({
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { cpu: "500m", memory: "1Gi" },
    });
    expect(c.env?.map((e) => e.name)).toEqual(["VMCP_NAME", "VMCP_NAMESPACE", "VMCP_SESSION_KEYS", "EXTRA"]);
    expect(c.args?.[0]).toBe("serve");
  });

  it("rejects a podTemplateSpec that cannot be merged", () => {
    expect(() => buildDeployment({ ...base, podTemplateSpec: { spec: { containers: "vmcp" } } })).toThrow(
      InvalidPodTemplateSpecError,
    );
    expect(() =>
      buildDeployment({ ...base, podTemplateSpec: { spec: { containers: [{ image: "x" }] } } }),
    ).toThrow(/name/);
  });
});

describe("Service builder", () => {
  it("exposes port 4483 named http as vmcp-<name> with the spec's type and affinity", () => {
    const s = buildService({ owner, namespace: "ns", serviceType: "NodePort", sessionAffinity: "None" });
    expect(s.metadata?.name).toBe("vmcp-demo");
    expect(s.spec).toMatchObject({ type: "NodePort", sessionAffinity: "None" });
    expect(s.spec?.ports).toEqual([{ name: "http", port: 4483, targetPort: 4483, protocol: "TCP" }]);
    expect(s.spec?.selector).toMatchObject({ "app.kubernetes.io/instance": "demo" });
    expect(s.metadata?.ownerReferences?.[0]?.controller).toBe(true);
    expect(buildService({ owner, namespace: "ns" }).spec).toMatchObject({
      type: "ClusterIP",
      sessionAffinity: "ClientIP",
    });
  });
});

describe("podTemplateSpec allow-list", () => {
  const refused = (podTemplateSpec: unknown) => {
    try {
      buildDeployment({ ...base, podTemplateSpec });
    } catch (err) {
      if (err instanceof InvalidPodTemplateSpecError) return err.message;
      throw err;
    }
    return undefined;
  };

  it("names the field path of what it refuses", () => {
    expect(refused({ spec: { securityContext: { runAsUser: 0 } } })).toMatch(/^spec\.securityContext: /);
    expect(
      refused({ spec: { containers: [{ name: "vmcp", volumeMounts: [{ name: "x", mountPath: "/etc" }] }] } }),
    ).toMatch(/^spec\.containers\[vmcp\]\.volumeMounts\[\/etc\]: /);
    expect(refused({ spec: { volumes: [{ name: "n", nfs: { server: "s", path: "/" } }] } })).toMatch(
      /^spec\.volumes\[n\]\.nfs: /,
    );
    expect(
      refused({ spec: { containers: [{ name: "vmcp", env: [{ name: "TOOLHIVE_BEARER_TOKEN_X" }] }] } }),
    ).toMatch(/env\[TOOLHIVE_BEARER_TOKEN_X\]/);
    expect(refused({ spec: { nodeSelector: { a: "b" } }, status: {} })).toMatch(/^status: /);
    expect(refused({ spec: { tolerations: [{ key: "dedicated", operator: "Exists" }] } })).toBeUndefined();
  });

  it("refuses null, which would delete a generated field in the merge", () => {
    // The API server drops nulls from stored objects; the builder must not rely on that.
    expect(refused({ spec: { affinity: { nodeAffinity: null } } })).toMatch(
      /^spec\.affinity\.nodeAffinity: null/,
    );
  });
});
