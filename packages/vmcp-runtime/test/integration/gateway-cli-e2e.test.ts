// The real `vmcp` binary as a process, configured by config.yaml: aggregation strategies and
// incoming OIDC end to end through the gateway, `validate`, `--help`, graceful shutdown.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedBackend, startBackend } from "../fixtures/backend.ts";
import { registerEcho } from "../fixtures/features.ts";
import { textOf } from "../fixtures/gateway.ts";
import { spawnNode } from "../fixtures/process.ts";

const MAIN = join(import.meta.dirname, "../../src/main.ts");
const servingUrl = (l: string) => {
  try {
    const o = JSON.parse(l) as { msg?: string; url?: string };
    return o.msg === "vmcp serving" ? o.url : undefined;
  } catch {
    return undefined;
  }
};

function runCli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}

async function connect(url: string, token?: string): Promise<Client> {
  const c = new Client({ name: "e2e", version: "1" });
  const requestInit = token ? { headers: { authorization: `Bearer ${token}` } } : undefined;
  await c.connect(new StreamableHTTPClientTransport(new URL(url), requestInit ? { requestInit } : {}));
  return c;
}

describe("vmcp CLI", () => {
  let dir: string;
  let alpha: StartedBackend;
  let beta: StartedBackend;

  const config = (extra: string) =>
    [
      "name: e2e",
      "groupRef: e2e",
      "backends:",
      "  - name: alpha",
      `    url: ${alpha.url}`,
      "    transport: streamable-http",
      "  - name: beta",
      `    url: ${beta.url}`,
      "    transport: streamable-http",
      extra,
      "",
    ].join("\n");

  /** Writes a config.yaml (both backends plus `lines`) and starts `vmcp serve` on it. */
  const serve = async (name: string, lines: string[]) => {
    const file = join(dir, name);
    await writeFile(file, config(lines.join("\n")));
    return spawnNode([MAIN, "serve", "--config", file, "--port", "0"], servingUrl);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vmcp-cli-"));
    [alpha, beta] = await Promise.all([
      startBackend({ name: "alpha", register: registerEcho }),
      startBackend({ name: "beta", register: registerEcho }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([alpha?.close(), beta?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it("--help prints usage", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("vmcp serve --config <file>");
    expect(r.out).toContain("vmcp validate --config <file>");
  });

  it("validate prints every problem with its path and exits 1", async () => {
    const file = join(dir, "broken.yaml");
    await writeFile(
      file,
      [
        "name: x",
        "incomingAuth:",
        "  type: sometimes",
        "aggregation:",
        "  conflictResolution: priority",
        "",
      ].join("\n"),
    );
    const r = await runCli(["validate", "--config", file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("groupRef");
    expect(r.err).toContain("incomingAuth.type");
    const ok = join(dir, "ok.yaml");
    await writeFile(ok, config("incomingAuth:\n  type: anonymous"));
    const good = await runCli(["validate", "--config", ok]);
    expect(good.code).toBe(0);
  });

  it("serves with the priority strategy: the clash goes to the first backend in priorityOrder", async () => {
    const gw = await serve("priority.yaml", [
      "incomingAuth:",
      "  type: anonymous",
      "aggregation:",
      "  conflictResolution: priority",
      "  conflictResolutionConfig:",
      "    priorityOrder: [beta, alpha]",
    ]);
    try {
      const c = await connect(gw.value);
      expect((await c.listTools()).tools.map((t) => t.name)).toEqual(["echo"]);
      expect(textOf(await c.callTool({ name: "echo", arguments: { text: "p" } }))).toBe("beta:p");
      await c.close();
    } finally {
      await gw.stop();
    }
    // SIGTERM shut it down cleanly.
    expect(gw.child.exitCode).toBe(0);
  });

  it("serves with a custom prefix format", async () => {
    const gw = await serve("prefix.yaml", [
      "incomingAuth:",
      "  type: anonymous",
      "aggregation:",
      "  conflictResolution: prefix",
      "  conflictResolutionConfig:",
      '    prefixFormat: "{workload}__"',
      // A composite tool from config.yaml, and one naming a tool nobody has (left out, no crash).
      "compositeTools:",
      "  - name: relay",
      "    parameters: {type: object, properties: {t: {type: string}}}",
      "    steps:",
      "      - {id: a, tool: alpha__echo, arguments: {text: '{{.params.t}}'}}",
      "      - {id: b, tool: beta.echo, dependsOn: [a], arguments: {text: '{{.steps.a.output.text}}'}}",
      "  - name: dangling",
      "    steps:",
      "      - {id: a, tool: gamma.echo}",
    ]);
    try {
      const c = await connect(gw.value);
      expect((await c.listTools()).tools.map((t) => t.name)).toEqual(["alpha__echo", "beta__echo", "relay"]);
      expect(textOf(await c.callTool({ name: "alpha__echo", arguments: { text: "q" } }))).toBe("alpha:q");
      const relayed = await c.callTool({ name: "relay", arguments: { t: "q" } });
      expect(relayed.structuredContent).toEqual({ text: "beta:alpha:q" });
      await c.close();
    } finally {
      await gw.stop();
    }
  });

  describe("with OIDC incoming auth", () => {
    let jwks: Server;
    let issuer: string;
    let sign: (claims: { aud?: string; iss?: string; exp?: string }) => Promise<string>;

    beforeAll(async () => {
      const { publicKey, privateKey } = await generateKeyPair("RS256");
      const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
      jwks = createServer((_req, res) =>
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] })),
      );
      await new Promise<void>((r) => jwks.listen(0, "127.0.0.1", r));
      issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
      sign = (c) =>
        new SignJWT({})
          .setProtectedHeader({ alg: "RS256", kid: "k1" })
          .setSubject("user-1")
          .setIssuer(c.iss ?? issuer)
          .setAudience(c.aud ?? "vmcp-e2e")
          .setIssuedAt()
          .setExpirationTime(c.exp ?? "5m")
          .sign(privateKey);
    });
    afterAll(async () => {
      jwks?.closeAllConnections();
      await new Promise<void>((r) => (jwks ? jwks.close(() => r()) : r()));
    });

    it("answers 401 with WWW-Authenticate without a valid token, serves metadata, accepts a valid one", async () => {
      const gw = await serve("oidc.yaml", [
        "incomingAuth:",
        "  type: oidc",
        "  oidc:",
        `    issuer: ${issuer}`,
        "    audience: vmcp-e2e",
        `    jwksUrl: ${issuer}/jwks`,
        "    insecureAllowHttp: true",
      ]);
      try {
        const base = gw.value.replace(/\/mcp$/, "");
        const init = JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-11-25",
            capabilities: {},
            clientInfo: { name: "x", version: "1" },
          },
        });
        const noToken = await fetch(gw.value, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: init,
        });
        expect(noToken.status).toBe(401);
        expect(noToken.headers.get("www-authenticate")).toContain(
          `resource_metadata="${base}/.well-known/oauth-protected-resource"`,
        );
        const wrongAud = await fetch(gw.value, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            authorization: `Bearer ${await sign({ aud: "someone-else" })}`,
          },
          body: init,
        });
        expect(wrongAud.status).toBe(401);
        const meta = (await (await fetch(`${base}/.well-known/oauth-protected-resource`)).json()) as {
          authorization_servers: string[];
        };
        expect(meta.authorization_servers).toEqual([issuer]);
        const c = await connect(gw.value, await sign({}));
        expect(textOf(await c.callTool({ name: "alpha_echo", arguments: { text: "authed" } }))).toBe(
          "alpha:authed",
        );
        await c.close();
      } finally {
        await gw.stop();
      }
    });
  });
});
