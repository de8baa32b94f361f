// Who pays for a failure: the real `vmcp serve` process with incoming OIDC (a local issuer),
// RFC 8693 token exchange against a real local token endpoint, and one real backend g2.
// One caller refused by the token endpoint, one slow tool past its deadline, and the token endpoint
// going away must each stay that caller's (or that call's) problem: g2 stays healthy and advertised,
// and nobody else sees a word about it.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RuntimeStatus } from "../../../src/status/types.ts";
import { type StartedBackend, startBackend } from "../../fixtures/backend.ts";
import { FEATURE_CAPABILITIES, registerFeatures } from "../../fixtures/features.ts";
import { textOf, until } from "../../fixtures/gateway.ts";
import { spawnNode } from "../../fixtures/process.ts";
import { servingUrl } from "../../fixtures/serve-process.ts";
import { type LocalIdp, startLocalIdp } from "./local-idp.ts";
import { startTokenEndpoint } from "./token-endpoint.ts";

const MAIN = join(import.meta.dirname, "../../../src/main.ts");
const CLIENT_SECRET = "te-client-secret-9f3a71";
const DENIAL = "mallory may not use g2";

let dir: string;
let idp: LocalIdp;
let ep: Awaited<ReturnType<typeof startTokenEndpoint>>;
let g2: StartedBackend;
let vmcp: Awaited<ReturnType<typeof spawnNode>>;
const logLines: string[] = [];
const tokens: Record<"alice" | "mallory" | "bob" | "carol", string> = {
  alice: "",
  mallory: "",
  bob: "",
  carol: "",
};
const clients: Client[] = [];

const statusOf = async (): Promise<RuntimeStatus> =>
  (await (await fetch(vmcp.value.replace(/\/mcp$/, "/status"))).json()) as RuntimeStatus;
const g2Status = async () => (await statusOf()).backends.find((b) => b.name === "g2");

async function connect(who: keyof typeof tokens): Promise<Client> {
  const client = new Client({ name: who, version: "1" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(vmcp.value), {
      requestInit: { headers: { authorization: `Bearer ${tokens[who]}` } },
    }),
  );
  clients.push(client);
  return client;
}

/** The JSON-RPC error a call ends in (the SDK client throws McpError for those). */
async function refusal(p: Promise<unknown>): Promise<McpError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof McpError) return e;
    throw e;
  }
  throw new Error("the call succeeded");
}

beforeAll(async () => {
  [idp, ep, g2] = await Promise.all([
    startLocalIdp(),
    startTokenEndpoint(),
    startBackend({ name: "g2", register: registerFeatures, capabilities: FEATURE_CAPABILITIES }),
  ]);
  for (const who of Object.keys(tokens) as (keyof typeof tokens)[])
    tokens[who] = await idp.sign({ sub: who, aud: "vmcp", iss: idp.issuer }, { expiresIn: "1h" });
  const respond0 = ep.state.respond;
  ep.state.respond = (req, n) =>
    req.form.subject_token === tokens.mallory
      ? { status: 400, body: JSON.stringify({ error: "invalid_grant", error_description: DENIAL }) }
      : respond0(req, n);
  dir = await mkdtemp(join(tmpdir(), "vmcp-attribution-"));
  const file = join(dir, "config.yaml");
  await writeFile(
    file,
    [
      "name: attribution",
      "groupRef: g",
      "backends:",
      `  - { name: g2, url: "${g2.url}", transport: streamable-http }`,
      "incomingAuth:",
      "  type: oidc",
      "  oidc:",
      `    issuer: "${idp.issuer}"`,
      "    audience: vmcp",
      "    insecureAllowHttp: true",
      "    jwksAllowPrivateIp: true",
      "outgoingAuth:",
      "  source: inline",
      "  backends:",
      "    g2:",
      "      type: token_exchange",
      "      tokenExchange:",
      `        tokenUrl: "${ep.url}"`,
      "        clientId: vmcp",
      "        clientSecretEnv: TE_CLIENT_SECRET",
      "        audience: g2",
      "compositeTools:",
      "  - name: relay",
      "    description: echo on g2 through a workflow",
      "    parameters: { type: object, properties: { text: { type: string } }, required: [text] }",
      '    steps: [{ id: say, tool: g2_echo, arguments: { text: "{{.params.text}}" } }]',
      "operational:",
      "  timeouts: { default: 30s, perWorkload: { g2: 1s } }",
      "  failureHandling:",
      // The first active check runs about a second after start; the next not within this test,
      // so only call outcomes could change g2's health here.
      "    healthCheckInterval: 1h",
      "    healthCheckTimeout: 5s",
      "    unhealthyThreshold: 3",
      "    circuitBreaker: { enabled: true, failureThreshold: 3, timeout: 1h }",
      "",
    ].join("\n"),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, TE_CLIENT_SECRET: CLIENT_SECRET };
  delete env.VMCP_NAME;
  delete env.VMCP_NAMESPACE;
  vmcp = await spawnNode(
    [MAIN, "serve", "--config", file, "--port", "0"],
    (line) => {
      logLines.push(line);
      return servingUrl(line);
    },
    { env },
  );
  vmcp.child.stdout?.on("data", (d: Buffer) => logLines.push(...d.toString().split("\n")));
  await until(async () => (await g2Status())?.health === "healthy", "g2 healthy after its first check");
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await vmcp?.stop();
  await Promise.all([g2?.close(), ep?.close().catch(() => {}), idp?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("failures are attributed to whoever caused them", () => {
  it("a caller refused by the token endpoint gets its own refusal; other callers keep working and never see it", async () => {
    const alice = await connect("alice");
    const first = JSON.parse(textOf(await alice.callTool({ name: "g2_headers", arguments: {} }))) as Record<
      string,
      string
    >;
    expect(first.authorization).toMatch(/^Bearer exchanged-/);

    const mallory = await connect("mallory");
    for (let i = 0; i < 5; i++) {
      // A JSON-RPC error (the SDK client rejects), not a tool result the model would retry.
      const e = await refusal(mallory.callTool({ name: "g2_echo", arguments: { text: "x" } }));
      expect(e.code).toBe(-32003);
      expect(e.message).toContain("invalid_grant");
      expect(e.message).toContain(DENIAL);
      // The same refusal through a composite workflow's step.
      const viaWorkflow = await mallory.callTool({ name: "relay", arguments: { text: "x" } });
      expect(viaWorkflow.isError).toBe(true);
      expect(textOf(viaWorkflow)).toContain(DENIAL);
    }

    // Alice, with her cached exchanged token, and bob, who needs a fresh exchange, both still work.
    expect(textOf(await alice.callTool({ name: "g2_echo", arguments: { text: "hi" } }))).toBe("g2:hi");
    expect(textOf(await alice.callTool({ name: "relay", arguments: { text: "wf" } }))).toContain("g2:wf");
    const bob = await connect("bob");
    expect(textOf(await bob.callTool({ name: "g2_echo", arguments: { text: "yo" } }))).toBe("g2:yo");
    expect((await bob.listTools()).tools.map((t) => t.name)).toContain("g2_echo");

    const st = await g2Status();
    expect(st).toMatchObject({ health: "healthy", circuitState: "closed" });
    expect(JSON.stringify(await statusOf())).not.toMatch(/mallory|invalid_grant/);
    const again = await refusal(mallory.callTool({ name: "g2_echo", arguments: { text: "x" } }));
    expect(again.data).toMatchObject({ backend: "g2", scope: "caller", reason: "auth_refused" });
  });

  it("a slow tool past its per-call timeout fails that call only; the backend's other tools keep working", async () => {
    const alice = await connect("alice");
    for (let i = 0; i < 4; i++) {
      const e = await refusal(alice.callTool({ name: "g2_wait", arguments: { tag: `slow-${i}` } }));
      expect(e.message).toContain("did not answer within 1000 ms");
      expect(e.code).toBe(-32001);
    }
    expect(textOf(await alice.callTool({ name: "g2_echo", arguments: { text: "still" } }))).toBe("g2:still");
    expect(await g2Status()).toMatchObject({ health: "healthy", circuitState: "closed" });
    const e = await refusal(alice.callTool({ name: "g2_wait", arguments: { tag: "slow-last" } }));
    expect(e.data).toMatchObject({ backend: "g2", scope: "caller", reason: "timeout" });
  });

  it("with the token endpoint down, callers holding a cached exchanged token keep working; the backend stays healthy", async () => {
    const alice = await connect("alice");
    await alice.callTool({ name: "g2_echo", arguments: { text: "warm" } }); // cached already; stays so
    await ep.close();
    const carol = await connect("carol");
    for (let i = 0; i < 4; i++) {
      const e = await refusal(carol.callTool({ name: "g2_echo", arguments: { text: "x" } }));
      expect(e.message).toContain("token exchange");
    }
    expect(textOf(await alice.callTool({ name: "g2_echo", arguments: { text: "ok" } }))).toBe("g2:ok");
    expect(await g2Status()).toMatchObject({ health: "healthy", circuitState: "closed" });
    expect((await alice.listTools()).tools.map((t) => t.name)).toContain("g2_echo");
    const e = await refusal(carol.callTool({ name: "g2_echo", arguments: { text: "x" } }));
    expect(e.message).toContain("could not obtain credentials");
    expect(e.code).toBe(-32603);
    expect(e.data).toMatchObject({ backend: "g2", scope: "gateway", reason: "auth_unavailable" });
  });

  it("no log line carries a caller token or the client secret", () => {
    const all = logLines.join("\n") + vmcp.stderr();
    for (const t of Object.values(tokens)) expect(all).not.toContain(t);
    expect(all).not.toContain(CLIENT_SECRET);
    expect(all).not.toContain(Buffer.from(`vmcp:${CLIENT_SECRET}`).toString("base64"));
  });
});
