// An MCPRemoteProxy's pod, run as a process: the ConfigMap and Deployment the operator's builders
// render (config.yaml, env with every secretKeyRef filled from the test's Secrets, `vmcp serve`
// with the container's arguments) in front of a remote MCP server on TLS with a private CA,
// speaking Streamable HTTP or SSE (spec.transport), with the proxy's incoming OIDC on, token
// exchange to the remote and fixed headers.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1EnvVar } from "@kubernetes/client-node";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  buildRemoteProxyConfigMap,
  buildRemoteProxyDeployment,
  planRemoteProxy,
} from "@vmcp/operator/builders/remote-proxy/workload.ts";
import {
  API_VERSION,
  MCPExternalAuthConfigSchema,
  MCPOIDCConfigSchema,
  MCPRemoteProxySchema,
} from "@vmcp/shared-types";
import { type StartedBackend, startBackend } from "@vmcp/testenv/mcp-backend";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePki } from "../packages/testenv/src/pki.ts";
import { registerEcho } from "../packages/vmcp-runtime/test/fixtures/features.ts";
import { spawnNode } from "../packages/vmcp-runtime/test/fixtures/process.ts";
import { servingUrl } from "../packages/vmcp-runtime/test/fixtures/serve-process.ts";
import { type LocalIdp, startLocalIdp } from "../packages/vmcp-runtime/test/integration/auth/local-idp.ts";
import { startTokenEndpoint } from "../packages/vmcp-runtime/test/integration/auth/token-endpoint.ts";

const MAIN = join(import.meta.dirname, "../packages/vmcp-runtime/src/main.ts");
const NS = "team";
const meta = (name: string) => ({ name, namespace: NS, uid: `uid-${name}`, generation: 1 });
/** What the Secrets of the namespace hold, for the pod's secretKeyRef env vars. */
const SECRETS: Record<string, Record<string, string>> = {
  sts: { secret: "sts-client-s3cret" },
  crm: { trace: "trace-key-123" },
};

/** The container's env as the kubelet would set it: values as they are, secretKeyRefs read. */
function podEnv(env: V1EnvVar[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    const value = ref ? SECRETS[ref.name ?? ""]?.[ref.key] : e.value;
    if (value === undefined) throw new Error(`env ${e.name}: nothing to fill it from`);
    out[e.name] = value;
  }
  return out;
}

interface Scenario {
  mcpUrl: string;
  /** The headers of every request that reached the remote. */
  seen: IncomingHttpHeaders[];
  idp: LocalIdp;
  sts: Awaited<ReturnType<typeof startTokenEndpoint>>;
  stop(): Promise<void>;
}

/** The remote (TLS, private CA) speaking `transport`, the issuer, the token endpoint and the proxy pod. */
async function startScenario(transport: "streamable-http" | "sse"): Promise<Scenario> {
  const pki = await generatePki();
  const seen: IncomingHttpHeaders[] = [];
  const remote: StartedBackend = await startBackend({
    name: "crm",
    register: registerEcho,
    transport,
    tls: { cert: pki.servingCert, key: pki.servingKey },
    onRequest: (req) => seen.push(req.headers),
  });
  const idp = await startLocalIdp();
  const sts = await startTokenEndpoint();

  const proxy = MCPRemoteProxySchema.parse({
    apiVersion: API_VERSION,
    kind: "MCPRemoteProxy",
    metadata: meta("crm"),
    spec: {
      remoteUrl: remote.url,
      transport,
      caBundleRef: { configMapRef: { name: "crm-ca" } },
      oidcConfigRef: { name: "idp", audience: "crm-proxy" },
      externalAuthConfigRef: { name: "sts" },
      headerForward: {
        addPlaintextHeaders: { "X-Tenant": "acme" },
        addHeadersFromSecret: [{ headerName: "X-Trace-Key", valueSecretRef: { name: "crm", key: "trace" } }],
      },
    },
  });
  const oidc = MCPOIDCConfigSchema.parse({
    apiVersion: API_VERSION,
    kind: "MCPOIDCConfig",
    metadata: meta("idp"),
    spec: { type: "inline", inline: { issuer: idp.issuer, jwksUrl: idp.jwksUrl, jwksAllowPrivateIP: true } },
  });
  const exchange = MCPExternalAuthConfigSchema.parse({
    apiVersion: API_VERSION,
    kind: "MCPExternalAuthConfig",
    metadata: meta("sts"),
    spec: {
      type: "tokenExchange",
      tokenExchange: {
        tokenUrl: sts.url,
        clientId: "crm-proxy",
        clientSecretRef: { name: "sts", key: "secret" },
        audience: "crm-api",
      },
    },
  });
  // The remote and the issuer listen on 127.0.0.1: an operator run with --allow-loopback-entries.
  const plan = planRemoteProxy(
    proxy,
    { oidcConfigs: new Map([["idp", oidc]]), authConfigs: new Map([["sts", exchange]]) },
    { allowLoopback: true },
  );
  expect(plan.refusal).toBeUndefined();
  const input = {
    proxy,
    owner: { apiVersion: API_VERSION, kind: "MCPRemoteProxy", name: "crm", uid: "u" },
    image: "x",
    plan,
  };
  const container = buildRemoteProxyDeployment(input).spec?.template.spec?.containers[0];
  const caMount = container?.volumeMounts?.find((m) => m.name === "ca-bundle-remote")?.mountPath;
  expect(caMount).toBe("/etc/toolhive/ca-bundles/remote");

  const dir = await mkdtemp(join(tmpdir(), "vmcp-remote-proxy-"));
  const configPath = join(dir, "config.yaml");
  // The ConfigMap crm-ca's ca.crt where the kubelet would mount it: the config's path, moved into dir.
  const caPath = join(dir, "ca.crt");
  const configYaml = (buildRemoteProxyConfigMap(input).data?.["config.yaml"] ?? "").replace(
    `${caMount}/ca.crt`,
    caPath,
  );
  expect(configYaml).toContain(`caBundlePath: ${caPath}`);
  await writeFile(configPath, configYaml);
  await writeFile(caPath, pki.servingCa);
  // The container's arguments, with a local config path and address; no shutdown delay (no
  // Service routes here, and the test would wait it out on stop).
  const args = (container?.args ?? []).flatMap((a) =>
    a.startsWith("--config=")
      ? [`--config=${configPath}`]
      : a.startsWith("--host=")
        ? ["--host=127.0.0.1"]
        : a.startsWith("--port=")
          ? ["--port=0"]
          : a.startsWith("--shutdown-delay=")
            ? []
            : [a],
  );
  const env: NodeJS.ProcessEnv = { ...process.env, ...podEnv(container?.env) };
  // The private CA reaches the pod through spec.caBundleRef only, never the process-wide trust.
  delete env.NODE_EXTRA_CA_CERTS;
  for (const k of ["VMCP_NAME", "VMCP_NAMESPACE", "KUBERNETES_SERVICE_HOST", "KUBECONFIG"]) delete env[k];
  const proxyProcess = await spawnNode([MAIN, ...args], servingUrl, { env });
  return {
    mcpUrl: proxyProcess.value, // the MCP endpoint, /mcp
    seen,
    idp,
    sts,
    stop: async () => {
      await proxyProcess.stop();
      await Promise.all([remote.close(), idp.close(), sts.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const initialize = (mcpUrl: string, headers: Record<string, string> = {}) =>
  fetch(mcpUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }),
  });

describe.each(["streamable-http", "sse"] as const)(
  "MCPRemoteProxy pod in front of a TLS remote speaking %s, OIDC on",
  (transport) => {
    let sc: Scenario;
    beforeAll(async () => {
      sc = await startScenario(transport);
    });
    afterAll(async () => {
      await sc?.stop();
    });

    it("no token, or a token for another audience: 401 with WWW-Authenticate naming the resource metadata", async () => {
      const none = await initialize(sc.mcpUrl);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toMatch(/^Bearer .*resource_metadata="/);
      const other = await sc.idp.sign(
        { iss: sc.idp.issuer, aud: "another-server", sub: "alice" },
        { expiresIn: "5m" },
      );
      expect((await initialize(sc.mcpUrl, { authorization: `Bearer ${other}` })).status).toBe(401);
    });

    it("a valid token: tools/call answered by the remote over Streamable HTTP to the proxy, with the exchanged token and the fixed headers, never the caller's token", async () => {
      const { idp, sts, seen } = sc;
      const token = await idp.sign({ iss: idp.issuer, aud: "crm-proxy", sub: "alice" }, { expiresIn: "5m" });
      const client = new Client({ name: "e2e", version: "1" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(sc.mcpUrl), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      try {
        const tools = await client.listTools();
        expect(tools.tools.map((t) => t.name)).toEqual(["echo"]);
        const res = await client.callTool({ name: "echo", arguments: { text: "42" } });
        expect(res.content).toEqual([{ type: "text", text: "crm:42" }]);
      } finally {
        await client.close();
      }
      // RFC 8693 exchange of the caller's validated token, authenticated with the Secret's client secret.
      const n = sts.requests.findIndex((r) => r.form.subject_token === token) + 1;
      expect(n).toBeGreaterThan(0);
      const ex = sts.requests[n - 1];
      expect(ex?.form).toMatchObject({
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        audience: "crm-api",
      });
      expect(ex?.headers.authorization).toBe(
        `Basic ${Buffer.from("crm-proxy:sts-client-s3cret").toString("base64")}`,
      );
      const withExchanged = seen.filter((h) => h.authorization === `Bearer exchanged-${n}`);
      expect(withExchanged.length).toBeGreaterThan(0);
      for (const h of withExchanged) {
        expect(h["x-tenant"]).toBe("acme");
        expect(h["x-trace-key"]).toBe("trace-key-123");
      }
      expect(seen.some((h) => h.authorization?.includes(token))).toBe(false);
    });
  },
);
