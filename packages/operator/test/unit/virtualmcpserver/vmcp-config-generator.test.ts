import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type ConfigOutcome, generateVmcpConfig } from "../../../src/builders/vmcp-config.ts";
import {
  authConfig,
  composite,
  entry,
  group,
  headerAuth,
  proxy,
  server,
  toolConfig,
  vmcp,
  world,
} from "./fixtures.ts";

function ok(outcome: ConfigOutcome) {
  if (!outcome.ok) throw new Error(`expected a config, got ${outcome.reason}: ${outcome.message}`);
  return outcome.value;
}

describe("config generator: dynamic (discovered) mode", () => {
  it("writes the minimal config with name/groupRef from the spec and every operational default", () => {
    const gen = ok(generateVmcpConfig(world({})));
    expect(parse(gen.yaml)).toEqual({
      name: "demo",
      groupRef: "tools",
      incomingAuth: { type: "anonymous" },
      outgoingAuth: { source: "discovered" },
      aggregation: {
        conflictResolution: "prefix",
        conflictResolutionConfig: { prefixFormat: "{workload}_" },
      },
      operational: {
        timeouts: { default: "30s" },
        failureHandling: {
          healthCheckInterval: "30s",
          unhealthyThreshold: 3,
          healthCheckTimeout: "10s",
          statusReportingInterval: "30s",
          partialFailureMode: "fail",
          circuitBreaker: { enabled: false, failureThreshold: 5, timeout: "60s" },
        },
        incoming: {
          headersTimeout: "10s",
          requestTimeout: "30s",
          maxRequestBodyBytes: 8 * 1024 * 1024,
          maxInflightBodyBytes: 64 * 1024 * 1024,
          maxJsonDepth: 64,
          maxSessions: 1000,
          maxSessionsPerCaller: 100,
          sessionTtl: "30m",
        },
      },
    });
    expect(gen.config.backends).toBeUndefined();
    expect(gen.secretEnv).toEqual([]);
  });

  it("emits YAML with sorted keys, byte-identical for the same input in any order", () => {
    const a = ok(
      generateVmcpConfig(
        world({ servers: [server("b"), server("a")], authConfigs: [headerAuth("x"), headerAuth("y")] }),
      ),
    );
    const b = ok(
      generateVmcpConfig(
        world({ servers: [server("a"), server("b")], authConfigs: [headerAuth("y"), headerAuth("x")] }),
      ),
    );
    expect(a.yaml).toBe(b.yaml);
    const topKeys = a.yaml
      .split("\n")
      .filter((l) => /^[a-zA-Z]/.test(l))
      .map((l) => l.split(":")[0]);
    expect(topKeys).toEqual([...topKeys].sort());
  });

  it("converts the default and inline overrides; `discovered` becomes unauthenticated", () => {
    const v = vmcp({
      outgoingAuth: {
        source: "discovered",
        default: { type: "discovered" },
        backends: { github: { type: "externalAuthConfigRef", externalAuthConfigRef: { name: "gh-key" } } },
      },
    });
    const gen = ok(
      generateVmcpConfig(world({ vmcp: v, authConfigs: [headerAuth("gh-key", "gh-secret", "pat")] })),
    );
    expect(gen.config.outgoingAuth).toEqual({
      source: "discovered",
      default: { type: "unauthenticated" },
      backends: {
        github: {
          type: "header_injection",
          headerInjection: {
            headerName: "X-API-Key",
            headerValueEnv: "TOOLHIVE_HEADER_INJECTION_VALUE_GH_KEY",
          },
        },
      },
    });
    expect(gen.secretEnv).toEqual([
      { env: "TOOLHIVE_HEADER_INJECTION_VALUE_GH_KEY", secretName: "gh-secret", key: "pat" },
    ]);
    expect(gen.yaml).not.toContain("gh-secret");
  });

  it("lists the Secrets of members' auth configs and header forwarding for the runtime's Role", () => {
    const gen = ok(
      generateVmcpConfig(
        world({
          servers: [server("a", { externalAuthConfigRef: { name: "cfg-a" } })],
          entries: [
            entry("e", {
              headerForward: {
                addHeadersFromSecret: [{ headerName: "X-T", valueSecretRef: { name: "hdr", key: "k" } }],
              },
            }),
          ],
          authConfigs: [headerAuth("cfg-a", "sec-a")],
        }),
      ),
    );
    expect(gen.runtimeSecretNames).toEqual(["hdr", "sec-a"]);
    // dynamic mode: members' secrets are read by the runtime, not injected as env
    expect(gen.secretEnv).toEqual([]);
  });

  it("reports a condition per discovered reference, including a missing one", () => {
    const out = generateVmcpConfig(
      world({
        servers: [
          server("good", { externalAuthConfigRef: { name: "ok" } }),
          server("bad", { externalAuthConfigRef: { name: "nope" } }),
        ],
        authConfigs: [authConfig("ok", { type: "unauthenticated" })],
      }),
    );
    expect(out.ok).toBe(true);
    expect(out.conditions).toContainEqual({
      type: "DiscoveredAuthConfig-good",
      status: "True",
      reason: "ConversionSucceeded",
      message: "Discovered auth config is valid",
    });
    const bad = out.conditions.find((c) => c.type === "DiscoveredAuthConfig-bad");
    expect(bad).toMatchObject({ status: "False", reason: "ConversionFailed" });
    expect(bad?.message).toContain("MCPExternalAuthConfig nope not found");
  });

  it("maps token exchange and bearer token to env var names, never values", () => {
    const v = vmcp({
      outgoingAuth: {
        backends: {
          a: { type: "externalAuthConfigRef", externalAuthConfigRef: { name: "okta" } },
          b: { type: "externalAuthConfigRef", externalAuthConfigRef: { name: "bearer" } },
        },
      },
    });
    const gen = ok(
      generateVmcpConfig(
        world({
          vmcp: v,
          authConfigs: [
            authConfig("okta", {
              type: "tokenExchange",
              tokenExchange: {
                tokenUrl: "https://idp.example.com/token",
                clientId: "vmcp",
                clientSecretRef: { name: "okta-secret", key: "cs" },
                audience: "backend",
                subjectTokenType: "id_token",
              },
            }),
            authConfig("bearer", {
              type: "bearerToken",
              bearerToken: { tokenSecretRef: { name: "tok", key: "t" } },
            }),
          ],
        }),
      ),
    );
    expect(gen.config.outgoingAuth.backends?.a).toEqual({
      type: "token_exchange",
      tokenExchange: {
        tokenUrl: "https://idp.example.com/token",
        clientId: "vmcp",
        clientSecretEnv: "TOOLHIVE_TOKEN_EXCHANGE_CLIENT_SECRET_OKTA",
        audience: "backend",
        subjectTokenType: "urn:ietf:params:oauth:token-type:id_token",
      },
    });
    expect(gen.config.outgoingAuth.backends?.b).toEqual({
      type: "bearer_token",
      bearerToken: { tokenEnv: "TOOLHIVE_BEARER_TOKEN_BEARER" },
    });
    expect(gen.secretEnv.map((s) => s.env).sort()).toEqual([
      "TOOLHIVE_BEARER_TOKEN_BEARER",
      "TOOLHIVE_TOKEN_EXCHANGE_CLIENT_SECRET_OKTA",
    ]);
  });

  it("fails closed when the default auth config is missing", () => {
    const v = vmcp({
      outgoingAuth: { default: { type: "externalAuthConfigRef", externalAuthConfigRef: { name: "gone" } } },
    });
    const out = generateVmcpConfig(world({ vmcp: v }));
    expect(out.ok).toBe(false);
    expect(out.conditions).toContainEqual(
      expect.objectContaining({ type: "AuthConfigured", status: "False" }),
    );
  });
});

describe("config generator: static (inline) mode", () => {
  const inline = (extra: Record<string, unknown> = {}) =>
    vmcp({ outgoingAuth: { source: "inline", ...extra } });

  it("lists servers, proxies and Valid entries with url, transport, type entry and caBundlePath", () => {
    const gen = ok(
      generateVmcpConfig(
        world({
          vmcp: inline(),
          servers: [
            server(
              "stdio-srv",
              { transport: "stdio", proxyMode: "sse" },
              { url: "http://mcp-stdio-srv-proxy.team-a.svc.cluster.local:8080/sse#stdio-srv" },
            ),
            server(
              "http-srv",
              { transport: "streamable-http" },
              { url: "http://mcp-http-srv-proxy.team-a.svc.cluster.local:8080/mcp" },
            ),
            server("no-url", { transport: "streamable-http" }),
          ],
          proxies: [
            proxy(
              "rp",
              { transport: "sse" },
              { url: "http://mcp-rp-remote-proxy.team-a.svc.cluster.local:8080" },
            ),
          ],
          entries: [
            entry("ext", { caBundleRef: { configMapRef: { name: "corp-ca", key: "root.pem" } } }),
            entry("ext-default-key", { caBundleRef: { configMapRef: { name: "corp-ca" } } }),
            entry("pending", {}, "Pending"),
          ],
        }),
      ),
    );
    expect(gen.config.backends).toEqual([
      {
        name: "ext",
        url: "https://ext.example.com/mcp",
        transport: "streamable-http",
        type: "entry",
        caBundlePath: "/etc/toolhive/ca-bundles/ext/root.pem",
      },
      {
        name: "ext-default-key",
        url: "https://ext-default-key.example.com/mcp",
        transport: "streamable-http",
        type: "entry",
        caBundlePath: "/etc/toolhive/ca-bundles/ext-default-key/ca.crt",
      },
      {
        name: "http-srv",
        url: "http://mcp-http-srv-proxy.team-a.svc.cluster.local:8080/mcp",
        transport: "streamable-http",
      },
      // The proxy serves Streamable HTTP whatever its spec.transport (its link to the remote) says.
      {
        name: "rp",
        url: "http://mcp-rp-remote-proxy.team-a.svc.cluster.local:8080",
        transport: "streamable-http",
      },
      {
        name: "stdio-srv",
        url: "http://mcp-stdio-srv-proxy.team-a.svc.cluster.local:8080/sse#stdio-srv",
        transport: "sse",
      },
    ]);
    expect(gen.config.outgoingAuth.source).toBe("inline");
    expect(gen.caBundles.map((c) => c.entry).sort()).toEqual(["ext", "ext-default-key"]);
    expect(gen.runtimeSecretNames).toEqual([]);
  });

  it("resolves member auth into outgoingAuth.backends with env-var secrets", () => {
    const gen = ok(
      generateVmcpConfig(
        world({
          vmcp: inline(),
          entries: [entry("ext", { externalAuthConfigRef: { name: "ext-key" } })],
          authConfigs: [headerAuth("ext-key", "ext-secret", "v")],
        }),
      ),
    );
    expect(gen.config.outgoingAuth.backends).toEqual({
      ext: {
        type: "header_injection",
        headerInjection: {
          headerName: "X-API-Key",
          headerValueEnv: "TOOLHIVE_HEADER_INJECTION_VALUE_EXT_KEY",
        },
      },
    });
    expect(gen.secretEnv).toEqual([
      { env: "TOOLHIVE_HEADER_INJECTION_VALUE_EXT_KEY", secretName: "ext-secret", key: "v" },
    ]);
  });

  it("leaves out a backend whose auth cannot be built, unless a valid inline override covers it", () => {
    const members = {
      entries: [
        entry("broken", { externalAuthConfigRef: { name: "missing" } }),
        entry("rescued", { externalAuthConfigRef: { name: "missing" } }),
        entry("fine"),
      ],
    };
    const gen = ok(
      generateVmcpConfig(
        world({
          vmcp: inline({ backends: { rescued: { type: "discovered" } } }),
          ...members,
        }),
      ),
    );
    expect(gen.config.backends?.map((b) => b.name)).toEqual(["fine", "rescued"]);
    expect(gen.config.outgoingAuth.backends).toEqual({ rescued: { type: "unauthenticated" } });
  });

  it("reports an invalid MCPExternalAuthConfig with its own reason", () => {
    const out = generateVmcpConfig(
      world({
        vmcp: inline(),
        entries: [entry("a", { externalAuthConfigRef: { name: "bad" } }), entry("b")],
        authConfigs: [
          authConfig(
            "bad",
            { type: "unauthenticated" },
            {
              conditions: [
                {
                  type: "Valid",
                  status: "False",
                  reason: "SecretMissing",
                  message: "no secret",
                  lastTransitionTime: "2026-01-01T00:00:00Z",
                },
              ],
            },
          ),
        ],
      }),
    );
    expect(out.conditions).toContainEqual(
      expect.objectContaining({ type: "DiscoveredAuthConfig-a", status: "False", reason: "SecretMissing" }),
    );
  });

  it("is a clear error when no usable backend is left", () => {
    const out = generateVmcpConfig(
      world({ vmcp: inline(), servers: [server("no-url")], entries: [entry("p", {}, "Failed")] }),
    );
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.reason).toBe("NoStaticBackends");
      expect(out.message).toContain("static mode requires at least one backend");
      expect(out.message).toContain("group tools");
    }
  });
});

describe("config generator: tools and composite tools", () => {
  it("merges MCPToolConfig: inline filter wins, overrides merge with inline winning", () => {
    const v = vmcp({
      config: {
        aggregation: {
          tools: [
            { workload: "a", toolConfigRef: { name: "tc" }, overrides: { fetch: { name: "get_page" } } },
            { workload: "b", toolConfigRef: { name: "tc" }, filter: ["only_this"] },
          ],
        },
      },
    });
    const tc = toolConfig("tc", {
      toolsFilter: ["fetch", "search"],
      toolsOverride: { fetch: { name: "from_ref" }, search: { description: "ref search" } },
    });
    const gen = ok(generateVmcpConfig(world({ vmcp: v, toolConfigs: [tc] })));
    expect(gen.config.aggregation.tools).toEqual([
      {
        workload: "a",
        filter: ["fetch", "search"],
        overrides: { fetch: { name: "get_page" }, search: { description: "ref search" } },
      },
      {
        workload: "b",
        filter: ["only_this"],
        overrides: { fetch: { name: "from_ref" }, search: { description: "ref search" } },
      },
    ]);
  });

  it("fails closed when a referenced MCPToolConfig is missing", () => {
    const v = vmcp({
      config: { aggregation: { tools: [{ workload: "a", toolConfigRef: { name: "gone" } }] } },
    });
    const out = generateVmcpConfig(world({ vmcp: v }));
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.message).toContain("MCPToolConfig resolution failed for a");
  });

  it("merges referenced composite definitions and rejects duplicate names", () => {
    const v = vmcp({ config: { compositeToolRefs: [{ name: "wf" }] } });
    const gen = ok(generateVmcpConfig(world({ vmcp: v, composites: [composite("wf", "research")] })));
    expect(gen.config.compositeTools?.map((t) => t.name)).toEqual(["research"]);
    expect(gen.config.compositeToolRefs).toBeUndefined();

    const dup = vmcp({
      config: {
        compositeTools: [{ name: "research", steps: [{ id: "x", tool: "a_fetch" }] }],
        compositeToolRefs: [{ name: "wf" }],
      },
    });
    const out = generateVmcpConfig(world({ vmcp: dup, composites: [composite("wf", "research")] }));
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.message).toContain("duplicate composite tool name");
  });

  it("sets --debug from operational.logLevel and carries passthroughHeaders", () => {
    const v = vmcp({ passthroughHeaders: ["X-Trace"], config: { operational: { logLevel: "debug" } } });
    const gen = ok(generateVmcpConfig(world({ vmcp: v, group: group() })));
    expect(gen.debug).toBe(true);
    expect(gen.config.passthroughHeaders).toEqual(["X-Trace"]);
  });

  it("carries allowedOrigins and the client-facing limits into config.yaml", () => {
    const v = vmcp({
      config: {
        operational: {
          allowedOrigins: ["https://app.example.com"],
          incoming: { maxSessionsPerCaller: 5, requestTimeout: "15s", maxJsonDepth: 16 },
        },
      },
    });
    const gen = ok(generateVmcpConfig(world({ vmcp: v, group: group() })));
    expect(gen.config.operational.allowedOrigins).toEqual(["https://app.example.com"]);
    expect(gen.config.operational.incoming).toMatchObject({
      maxSessionsPerCaller: 5,
      requestTimeout: "15s",
      maxJsonDepth: 16,
      maxSessions: 1000,
    });
  });
});
