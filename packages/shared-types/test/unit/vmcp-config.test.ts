import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  BackendAuthStrategySchema,
  StaticBackendSchema,
  VirtualMCPServerConfigSchema,
  type VmcpConfigInput,
  VmcpConfigSchema,
} from "../../src/index.ts";
import { fullComposite } from "../fixtures/objects.ts";

const base = (extra: Partial<VmcpConfigInput> = {}): VmcpConfigInput => ({
  name: "my-vmcp",
  groupRef: "my-group",
  incomingAuth: { type: "anonymous" },
  ...extra,
});

const issues = (input: unknown) =>
  VmcpConfigSchema.safeParse(input).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];

describe("VmcpConfigSchema (config.yaml)", () => {
  it("fills the same defaults as ToolHive's converter and EnsureOperationalDefaults", () => {
    expect(VmcpConfigSchema.parse(base())).toEqual({
      name: "my-vmcp",
      groupRef: "my-group",
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
        // Not in ToolHive: the gateway's client-facing limits, on by default.
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
  });

  it("reads the config.yaml ToolHive's operator writes", () => {
    const text = `
name: my-vmcp
groupRef: my-group
incomingAuth: {type: anonymous}
outgoingAuth:
  source: inline
  backends:
    github: {type: header_injection, headerInjection: {headerName: Authorization, headerValueEnv: TOOLHIVE_HEADER_INJECTION_VALUE_GH_TOKEN}}
backends:
  - {name: github, url: "http://mcp-github-proxy.ns.svc.cluster.local:8080/mcp", transport: streamable-http, metadata: {group: my-group}}
aggregation: {conflictResolution: prefix, conflictResolutionConfig: {prefixFormat: "{workload}_"}}
operational:
  timeouts: {default: 30s}
  failureHandling: {healthCheckInterval: 30s, unhealthyThreshold: 3, statusReportingInterval: 30s,
                    partialFailureMode: fail, circuitBreaker: {failureThreshold: 5, timeout: 1m0s}}
`;
    const config = VmcpConfigSchema.parse(parse(text));
    expect(config.operational.failureHandling.circuitBreaker).toEqual({
      enabled: false,
      failureThreshold: 5,
      timeout: "1m0s",
    });
    expect(config.operational.failureHandling.healthCheckTimeout).toBe("10s");
    expect(config.outgoingAuth.backends?.github?.headerInjection?.headerValueEnv).toBe(
      "TOOLHIVE_HEADER_INJECTION_VALUE_GH_TOKEN",
    );
  });

  it("accepts a full static-mode config", () => {
    const config = VmcpConfigSchema.parse(
      base({
        backends: [
          {
            name: "github",
            url: "http://127.0.0.1:3001/mcp",
            transport: "streamable-http",
            metadata: { team: "a" },
          },
          {
            name: "docs",
            url: "https://docs.example.com/sse",
            transport: "sse",
            type: "entry",
            caBundlePath: "/etc/ca/docs/ca.crt",
          },
        ],
        incomingAuth: {
          type: "oidc",
          oidc: {
            issuer: "https://idp.example.com",
            audience: "vmcp",
            clientId: "vmcp",
            clientSecretEnv: "VMCP_OIDC_CLIENT_SECRET",
            scopes: ["openid"],
          },
        },
        outgoingAuth: {
          source: "inline",
          default: { type: "unauthenticated" },
          backends: {
            github: {
              type: "header_injection",
              headerInjection: {
                headerName: "Authorization",
                headerValueEnv: "TOOLHIVE_HEADER_INJECTION_VALUE_GH",
              },
            },
            docs: {
              type: "token_exchange",
              tokenExchange: {
                tokenUrl: "https://sts.example.com/token",
                clientId: "c",
                clientSecretEnv: "SECRET",
                audience: "docs",
              },
            },
            other: { type: "bearer_token", bearerToken: { tokenEnv: "OTHER_TOKEN" } },
          },
        },
        aggregation: {
          conflictResolution: "priority",
          conflictResolutionConfig: { priorityOrder: ["github", "docs"] },
        },
        compositeTools: [fullComposite()] as VmcpConfigInput["compositeTools"],
        compositeToolRefs: [{ name: "shared" }],
        passthroughHeaders: ["X-Request-Id"],
        metadata: { env: "test" },
      }),
    );
    expect(config.backends).toHaveLength(2);
    expect(config.aggregation.conflictResolutionConfig).toEqual({
      prefixFormat: "{workload}_",
      priorityOrder: ["github", "docs"],
    });
  });

  it.each([
    ["an unknown top-level key", { ...base(), optimizer: {} }, "Unrecognized key"],
    ["a missing groupRef", { name: "x", incomingAuth: { type: "anonymous" } }, "groupRef"],
    [
      "incomingAuth type local (out of scope)",
      base({ incomingAuth: { type: "local" as "oidc" } }),
      "incomingAuth.type",
    ],
    ["oidc without its settings", base({ incomingAuth: { type: "oidc" } }), "incomingAuth.oidc"],
    [
      "an issuer without http(s)",
      base({ incomingAuth: { type: "oidc", oidc: { issuer: "idp.example.com", audience: "a" } } }),
      "incomingAuth.oidc.issuer",
    ],
    [
      "a backend URL without http(s)",
      base({ backends: [{ name: "a", url: "tcp://x", transport: "sse" }] }),
      "backends.0.url",
    ],
    [
      "a stdio backend",
      base({ backends: [{ name: "a", url: "http://x", transport: "stdio" as "sse" }] }),
      "backends.0.transport",
    ],
    [
      "duplicate backend names",
      base({
        backends: [
          { name: "a", url: "http://x", transport: "sse" },
          { name: "a", url: "http://y", transport: "sse" },
        ],
      }),
      "backends.1",
    ],
    [
      "priority without priorityOrder",
      base({ aggregation: { conflictResolution: "priority" } }),
      "aggregation.conflictResolutionConfig",
    ],
    [
      "a prefixFormat producing dots",
      base({ aggregation: { conflictResolutionConfig: { prefixFormat: "{workload}." } } }),
      "aggregation.conflictResolutionConfig.prefixFormat",
    ],
    [
      "a timeout not below the interval",
      base({ operational: { failureHandling: { healthCheckInterval: "5s", healthCheckTimeout: "5s" } } }),
      "operational.failureHandling.healthCheckTimeout",
    ],
    [
      "a malformed duration",
      base({ operational: { timeouts: { default: "1 minute" } } }),
      "operational.timeouts.default",
    ],
    ["a restricted passthrough header", base({ passthroughHeaders: ["Connection"] }), "passthroughHeaders"],
  ])("rejects %s", (_name, input, path) => {
    expect(issues(input).join("\n")).toContain(path);
  });

  it("StaticBackend: caBundlePath only for entries, absolute", () => {
    const b = { name: "a", url: "https://x", transport: "sse" as const };
    expect(StaticBackendSchema.safeParse({ ...b, caBundlePath: "/ca.crt" }).success).toBe(false);
    expect(StaticBackendSchema.safeParse({ ...b, type: "entry", caBundlePath: "ca.crt" }).success).toBe(
      false,
    );
    expect(StaticBackendSchema.safeParse({ ...b, type: "entry", caBundlePath: "/ca.crt" }).success).toBe(
      true,
    );
  });

  it.each([
    ["header_injection without its sub-object", { type: "header_injection" }],
    [
      "a sub-object for another type",
      { type: "unauthenticated", headerInjection: { headerName: "X", headerValue: "v" } },
    ],
    [
      "headerValue and headerValueEnv together",
      {
        type: "header_injection",
        headerInjection: { headerName: "X", headerValue: "v", headerValueEnv: "V" },
      },
    ],
    [
      "neither headerValue nor headerValueEnv",
      { type: "header_injection", headerInjection: { headerName: "X" } },
    ],
    [
      "clientSecret and clientSecretEnv together",
      {
        type: "token_exchange",
        tokenExchange: { tokenUrl: "https://t", clientSecret: "s", clientSecretEnv: "S" },
      },
    ],
    [
      "a bearer token and its env together",
      { type: "bearer_token", bearerToken: { token: "t", tokenEnv: "T" } },
    ],
    ["a strategy type out of scope", { type: "aws_sts" }],
    ["an env name that is not one", { type: "bearer_token", bearerToken: { tokenEnv: "MY-TOKEN" } }],
  ])("BackendAuthStrategy rejects %s", (_name, input) => {
    expect(BackendAuthStrategySchema.safeParse(input).success).toBe(false);
  });

  it("spec.config is the runtime config minus the operator-owned fields", () => {
    expect(VirtualMCPServerConfigSchema.safeParse({}).success).toBe(true);
    for (const key of ["name", "groupRef", "backends", "incomingAuth", "outgoingAuth"]) {
      expect(
        VirtualMCPServerConfigSchema.safeParse({ [key]: base()[key as keyof VmcpConfigInput] ?? {} }).success,
        key,
      ).toBe(false);
    }
  });
});
