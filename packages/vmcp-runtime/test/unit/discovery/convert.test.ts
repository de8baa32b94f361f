import type { MCPExternalAuthConfig, MCPRemoteProxy, MCPServer, MCPServerEntry } from "@vmcp/shared-types";
import { describe, expect, it } from "vitest";
import {
  authFingerprint,
  collectWorkloads,
  entryWorkload,
  planAuth,
  proxyWorkload,
  secretsMap,
  serverWorkload,
} from "../../../src/discovery/convert.ts";

const server = (name: string, spec: Partial<MCPServer["spec"]>, url?: string): MCPServer =>
  ({
    apiVersion: "toolhive.stacklok.dev/v1beta1",
    kind: "MCPServer",
    metadata: { name },
    spec: {
      groupRef: { name: "g" },
      transport: "streamable-http",
      proxyMode: "streamable-http",
      proxyPort: 8080,
      ...spec,
    },
    status: url ? { url } : undefined,
  }) as MCPServer;
const entry = (
  name: string,
  phase: string | undefined,
  spec: Partial<MCPServerEntry["spec"]> = {},
): MCPServerEntry =>
  ({
    apiVersion: "toolhive.stacklok.dev/v1beta1",
    kind: "MCPServerEntry",
    metadata: { name },
    spec: { remoteUrl: "https://r.example/mcp", transport: "sse", groupRef: { name: "g" }, ...spec },
    status: phase ? { phase } : undefined,
  }) as MCPServerEntry;

describe("workload conversion", () => {
  it("MCPServer: URL from status, skipped while empty or in another group; stdio uses proxyMode", () => {
    expect(serverWorkload(server("a", {}), "g")).toBeUndefined();
    expect(serverWorkload(server("a", { groupRef: { name: "other" } }, "http://a"), "g")).toBeUndefined();
    expect(
      serverWorkload(server("a", { transport: "stdio", proxyMode: "sse" }, "http://a/sse"), "g"),
    ).toMatchObject({
      url: "http://a/sse",
      transport: "sse",
    });
    expect(serverWorkload(server("a", { transport: "sse" }, "http://a"), "g")?.transport).toBe("sse");
  });

  it("MCPRemoteProxy: URL from status, always Streamable HTTP (spec.transport is the proxy's link to the remote)", () => {
    const p = {
      metadata: { name: "p" },
      spec: { remoteUrl: "https://x", transport: "sse", groupRef: { name: "g" } },
      status: { url: "http://mcp-p-remote-proxy:8080" },
    } as unknown as MCPRemoteProxy;
    expect(proxyWorkload(p, "g")).toMatchObject({
      url: "http://mcp-p-remote-proxy:8080",
      transport: "streamable-http",
    });
  });

  it("MCPServerEntry: only when Valid; CA key defaults to ca.crt", () => {
    expect(entryWorkload(entry("e", "Pending"), "g")).toBeUndefined();
    expect(entryWorkload(entry("e", "Failed"), "g")).toBeUndefined();
    expect(entryWorkload(entry("e", undefined), "g")).toBeUndefined();
    const w = entryWorkload(
      entry("e", "Valid", { caBundleRef: { configMapRef: { name: "cm" } } } as never),
      "g",
    );
    expect(w).toMatchObject({
      url: "https://r.example/mcp",
      transport: "sse",
      caBundle: { configMap: "cm", key: "ca.crt" },
    });
  });

  it("one backend per name, sorted", () => {
    const ws = collectWorkloads(
      "g",
      [server("b", {}, "http://b"), server("a", {}, "http://a")],
      [],
      [entry("a", "Valid")],
    );
    expect(ws.map((w) => [w.name, w.kind])).toEqual([
      ["a", "MCPServer"],
      ["b", "MCPServer"],
    ]);
  });
});

describe("discovered auth", () => {
  const cfg = (spec: unknown): MCPExternalAuthConfig =>
    ({ metadata: { name: "c" }, spec }) as unknown as MCPExternalAuthConfig;

  it("a missing config or an unsupported type cannot be resolved", () => {
    expect(planAuth("c", undefined)).toMatchObject({
      ok: false,
      message: expect.stringContaining("not found"),
    });
    expect(planAuth("c", cfg({ type: "awsSts", awsSts: { region: "eu-west-1" } }))).toMatchObject({
      ok: false,
    });
  });

  it("header injection names the Secret to read by name", () => {
    const p = planAuth(
      "c",
      cfg({
        type: "headerInjection",
        headerInjection: { headerName: "X-Key", valueSecretRef: { name: "s", key: "k" } },
      }),
    );
    expect(p.ok && p.secrets.map((s) => [s.secretName, s.key])).toEqual([["s", "k"]]);
    expect(p.ok && p.strategy.type).toBe("header_injection");
  });

  it("the fingerprint follows secret values without revealing them", () => {
    const strategy = { type: "bearer_token" as const, bearerToken: { tokenEnv: "T" } };
    const a = authFingerprint(strategy, secretsMap([{ env: "T", value: "one" }]));
    const b = authFingerprint(strategy, secretsMap([{ env: "T", value: "two" }]));
    expect(a).not.toBe(b);
    expect(a).not.toContain("one");
  });
});
