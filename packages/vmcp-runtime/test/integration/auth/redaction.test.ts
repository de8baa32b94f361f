// Every secret the config knows, against peers that echo what they receive: the real
// `vmcp serve --debug` process with a token-exchange client secret, a header-injection secret, a
// bearer token and an OIDC client secret; a token endpoint that echoes the Basic credential and
// the caller's JWT (past the first 200 characters) in its error; backends that answer HTTP 500
// quoting the request headers. None of it may reach a client error, a log line or /status.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type StartedBackend, startBackend } from "../../fixtures/backend.ts";
import { FEATURE_CAPABILITIES, registerFeatures } from "../../fixtures/features.ts";
import { until } from "../../fixtures/gateway.ts";
import { spawnNode } from "../../fixtures/process.ts";
import { servingUrl } from "../../fixtures/serve-process.ts";
import { type LocalIdp, startLocalIdp } from "./local-idp.ts";
import { startTokenEndpoint } from "./token-endpoint.ts";

const MAIN = join(import.meta.dirname, "../../../src/main.ts");
const SECRETS = {
  TE_SECRET: "te-secret-4b1d9e77",
  HDR_SECRET: "hdr-secret-0c55aa31",
  BEARER_SECRET: "bearer-secret-77e0f2",
  OIDC_SECRET: "oidc-secret-31aa90c4",
};
const BASIC = Buffer.from(`vmcp:${SECRETS.TE_SECRET}`).toString("base64");

let dir: string;
let idp: LocalIdp;
let ep: Awaited<ReturnType<typeof startTokenEndpoint>>;
let g2: StartedBackend;
let echo: Server;
let vmcp: Awaited<ReturnType<typeof spawnNode>>;
let callerToken = "";
const out: string[] = [];

/** A hostile backend: HTTP 500 to everything, quoting every header it received. */
async function startEchoingBackend(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(500, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32603, message: `rejected: ${JSON.stringify(req.headers)}` },
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp` };
}

beforeAll(async () => {
  let echoUrl: string;
  [idp, ep, g2, { server: echo, url: echoUrl }] = await Promise.all([
    startLocalIdp(),
    startTokenEndpoint(),
    startBackend({ name: "g2", register: registerFeatures, capabilities: FEATURE_CAPABILITIES }),
    startEchoingBackend(),
  ]);
  // A long JWT: the old code cut error_description at 200 characters before masking it.
  callerToken = await idp.sign(
    { sub: "mallory", aud: "vmcp", iss: idp.issuer, pad: "p".repeat(300) },
    { expiresIn: "1h" },
  );
  ep.state.respond = (req) =>
    req.form.grant_type === "client_credentials"
      ? { status: 200, body: JSON.stringify({ access_token: "probe-token-1", expires_in: 300 }) }
      : {
          status: 400,
          body: JSON.stringify({
            error: "invalid_grant",
            error_description: `refused ${req.form.subject_token} with client ${req.headers.authorization}`,
          }),
        };
  dir = await mkdtemp(join(tmpdir(), "vmcp-redaction-"));
  const file = join(dir, "config.yaml");
  await writeFile(
    file,
    [
      "name: redaction",
      "groupRef: g",
      "backends:",
      `  - { name: g2, url: "${g2.url}", transport: streamable-http }`,
      `  - { name: hdr, url: "${echoUrl}", transport: streamable-http }`,
      `  - { name: bearer, url: "${echoUrl}", transport: streamable-http }`,
      "incomingAuth:",
      "  type: oidc",
      "  oidc:",
      `    issuer: "${idp.issuer}"`,
      "    audience: vmcp",
      "    clientId: vmcp-incoming",
      "    clientSecretEnv: OIDC_SECRET",
      "    insecureAllowHttp: true",
      "    jwksAllowPrivateIp: true",
      "outgoingAuth:",
      "  source: inline",
      "  backends:",
      "    g2:",
      "      type: token_exchange",
      `      tokenExchange: { tokenUrl: "${ep.url}", clientId: vmcp, clientSecretEnv: TE_SECRET }`,
      "    hdr:",
      "      type: header_injection",
      "      headerInjection: { headerName: X-API-Key, headerValueEnv: HDR_SECRET }",
      "    bearer:",
      "      type: bearer_token",
      "      bearerToken: { tokenEnv: BEARER_SECRET }",
      "operational:",
      "  failureHandling: { partialFailureMode: best_effort }",
      "",
    ].join("\n"),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, ...SECRETS };
  delete env.VMCP_NAME;
  delete env.VMCP_NAMESPACE;
  vmcp = await spawnNode(
    [MAIN, "serve", "--config", file, "--port", "0", "--debug"],
    (line) => {
      out.push(line);
      return servingUrl(line);
    },
    { env },
  );
  vmcp.child.stdout?.on("data", (d: Buffer) => out.push(d.toString()));
}, 60_000);

afterAll(async () => {
  await vmcp?.stop();
  await Promise.all([
    g2?.close(),
    ep?.close(),
    idp?.close(),
    new Promise<void>((r) => {
      echo?.closeAllConnections();
      echo ? echo.close(() => r()) : r();
    }),
  ]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("no secret the config knows, nor the caller's token, reaches a client error, a log line or /status", async () => {
  const statusUrl = vmcp.value.replace(/\/mcp$/, "/status");
  // Both echoing backends have failed their listing (the message is what /status shows).
  const status = await until(async () => {
    const s = (await (await fetch(statusUrl)).json()) as { backends: { name: string; message?: string }[] };
    const failed = s.backends.filter((b) => b.name !== "g2" && b.message?.includes("rejected"));
    return failed.length === 2 ? JSON.stringify(s) : undefined;
  }, "both echoing backends reported in /status");

  const client = new Client({ name: "mallory", version: "1" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(vmcp.value), {
      requestInit: { headers: { authorization: `Bearer ${callerToken}` } },
    }),
  );
  const errors: string[] = [];
  for (let i = 0; i < 2; i++) {
    try {
      await client.callTool({ name: "g2_echo", arguments: { text: "x" } });
    } catch (e) {
      errors.push(String((e as Error).message));
    }
  }
  await client.close();
  expect(errors).toHaveLength(2);
  // The refusal itself is still useful: the endpoint's words, with the credentials masked.
  expect(errors[0]).toContain("invalid_grant: refused [redacted] with client Basic [redacted]");
  expect(status).toContain("rejected");

  const everything = [status, ...errors, out.join("\n"), vmcp.stderr()].join("\n");
  const forbidden = [...Object.values(SECRETS), BASIC, callerToken, callerToken.slice(0, 40)];
  for (const s of forbidden) expect(everything).not.toContain(s);
});
