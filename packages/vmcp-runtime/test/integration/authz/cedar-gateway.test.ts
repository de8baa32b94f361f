// Cedar authorization on the gateway, end to end: a local OIDC issuer signs alice's and bob's
// tokens, the gateway aggregates a real reference server (server-everything, its own process)
// and a recording backend, and ToolHive-style policies decide who sees and calls what.
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIncomingAuth } from "../../../src/auth/incoming.ts";
import { createAuthorizer } from "../../../src/authz/cedar.ts";
import { type StartedBackend, startBackend } from "../../fixtures/backend.ts";
import { registerFeatures } from "../../fixtures/features.ts";
import { postJsonRpc, type StartedGateway, startGateway, textOf } from "../../fixtures/gateway.ts";
import { spawnNode, urlLine } from "../../fixtures/process.ts";
import { type LocalIdp, startLocalIdp } from "../auth/local-idp.ts";

const fixtures = join(import.meta.dirname, "../../fixtures");

const POLICIES = [
  'permit(principal, action == Action::"call_tool", resource == Tool::"alpha_echo");',
  'permit(principal in THVGroup::"admins", action == Action::"call_tool", resource);',
  'permit(principal, action == Action::"call_tool", resource == Tool::"everything_echo") when { context.arg_message == "hi" };',
  'permit(principal, action == Action::"get_prompt", resource) when { principal.claim_email like "*@example.com" };',
  'permit(principal in THVGroup::"admins", action == Action::"read_resource", resource == Resource::"mem___counter");',
  'forbid(principal, action, resource == Tool::"alpha_wipe") unless { principal.claim_sub == "alice" };',
  'permit(principal, action == Action::"call_tool", resource) when { resource == Tool::"echo_flow" || resource == Tool::"wipe_flow" };',
];

// Composite tools: authorised as themselves, and every step again with the caller's rights.
const COMPOSITES = [
  {
    name: "echo_flow",
    parameters: { type: "object", properties: { text: { type: "string" } } },
    steps: [{ id: "say", tool: "alpha_echo", arguments: { text: "{{.params.text}}" } }],
  },
  { name: "wipe_flow", parameters: { type: "object" }, steps: [{ id: "wipe", tool: "alpha.wipe" }] },
];

describe("Cedar authorization on the gateway (OIDC callers, real backends)", () => {
  let idp: LocalIdp;
  let alpha: StartedBackend;
  let everything: Awaited<ReturnType<typeof spawnNode>>;
  let gw: StartedGateway;
  const clients: Client[] = [];

  const token = (sub: string, extra: Record<string, unknown>) =>
    idp.sign({ sub, iss: idp.issuer, aud: "vmcp", ...extra }, { expiresIn: "10m" });
  const connectAs = async (bearer: string) => {
    const c = new Client({ name: "authz-test", version: "1" });
    await c.connect(
      new StreamableHTTPClientTransport(new URL(gw.url), {
        requestInit: { headers: { authorization: `Bearer ${bearer}` } },
      }),
    );
    clients.push(c);
    return c;
  };
  let alice: Client;
  let bob: Client;

  beforeAll(async () => {
    [idp, alpha, everything] = await Promise.all([
      startLocalIdp(),
      startBackend({
        name: "alpha",
        register: (server, ctx) => {
          registerFeatures(server, ctx);
          server.registerTool("wipe", { description: "destructive" }, async () => {
            ctx.events.push("wipe-called");
            return { content: [{ type: "text", text: "wiped" }] };
          });
        },
      }),
      spawnNode([join(fixtures, "everything-process.ts")], urlLine),
    ]);
    gw = await startGateway(
      [
        { name: "alpha", url: alpha.url },
        { name: "everything", url: everything.value },
      ],
      {
        incomingAuth: createIncomingAuth(
          { type: "oidc", oidc: { issuer: idp.issuer, audience: "vmcp", jwksUrl: idp.jwksUrl } },
          { resourceUrl: "http://127.0.0.1" },
        ),
        authz: createAuthorizer({ type: "cedar", policies: POLICIES, groupClaimName: "groups" }),
        compositeTools: COMPOSITES,
      },
    );
    alice = await connectAs(await token("alice", { groups: ["admins"], email: "alice@example.com" }));
    bob = await connectAs(await token("bob", { groups: ["dev"], email: "bob@other.org" }));
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gw?.close();
    await Promise.all([alpha?.close(), everything?.stop(), idp?.close()]);
  });

  it("alice (group admins) sees every tool and calls them", async () => {
    const names = (await alice.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(["alpha_add", "alpha_echo", "alpha_wipe", "everything_echo"]),
    );
    const sum = await alice.callTool({ name: "alpha_add", arguments: { a: 2, b: 3 } });
    expect(sum.structuredContent).toEqual({ sum: 5 });
    expect(textOf(await alice.callTool({ name: "alpha_wipe", arguments: {} }))).toBe("wiped");
    expect(alpha.ctx.events).toContain("wipe-called");
  });

  it("bob's tools/list holds only what policy lets him call", async () => {
    const names = (await bob.listTools()).tools.map((t) => t.name);
    // Composite tools are listed by their own permission (their steps are checked when they run).
    expect(names).toEqual(["alpha_echo", "echo_flow", "wipe_flow"]);
  });

  it("bob gets a clear JSON-RPC denial and the backend sees nothing", async () => {
    const before = alpha.ctx.events.length;
    await expect(bob.callTool({ name: "alpha_wipe", arguments: {} })).rejects.toMatchObject({
      code: 403,
      message: expect.stringContaining(
        'tools/call denied by authorization policy: tool "alpha_wipe" is not permitted for "bob"',
      ),
    });
    expect(alpha.ctx.events.slice(before)).toEqual([]);
    // A name that does not exist is denied the same way: bob cannot probe for hidden tools.
    await expect(bob.callTool({ name: "no_such_tool", arguments: {} })).rejects.toMatchObject({ code: 403 });
    expect(textOf(await bob.callTool({ name: "alpha_echo", arguments: { text: "x" } }))).toBe("alpha:x");
  });

  it("arguments reach the policy context (arg_<name>)", async () => {
    const ok = await bob.callTool({ name: "everything_echo", arguments: { message: "hi" } });
    expect(textOf(ok)).toContain("hi");
    await expect(
      bob.callTool({ name: "everything_echo", arguments: { message: "something else" } }),
    ).rejects.toMatchObject({ code: 403 });
  });

  it("prompts and resources are filtered and gated per caller", async () => {
    expect((await alice.listPrompts()).prompts.map((p) => p.name)).toContain("alpha_greet");
    expect((await bob.listPrompts()).prompts).toEqual([]);
    await expect(bob.getPrompt({ name: "alpha_greet", arguments: { name: "Ada" } })).rejects.toMatchObject({
      code: 403,
    });
    const aliceUris = (await alice.listResources()).resources.map((r) => r.uri);
    expect(aliceUris).toEqual(["mem://counter"]);
    expect((await bob.listResources()).resources).toEqual([]);
    const read = await alice.readResource({ uri: "mem://counter" });
    expect(read.contents[0]).toMatchObject({ text: "42" });
    await expect(bob.readResource({ uri: "mem://counter" })).rejects.toMatchObject({ code: 403 });
  });

  it("a composite tool is a tool of its own, and its steps run with the caller's rights", async () => {
    expect((await bob.listTools()).tools.map((t) => t.name)).not.toContain("alpha_wipe");
    expect(textOf(await bob.callTool({ name: "echo_flow", arguments: { text: "hey" } }))).toContain(
      "alpha:hey",
    );
    const before = alpha.ctx.events.length;
    const outcome = await bob.callTool({ name: "wipe_flow", arguments: {} }).then(
      (r) => textOf(r),
      (e: Error) => e.message,
    );
    expect(outcome).toContain('step tool "alpha.wipe" (alpha_wipe) denied by authorization policy for "bob"');
    expect(alpha.ctx.events.slice(before)).toEqual([]);
    expect(textOf(await alice.callTool({ name: "wipe_flow", arguments: {} }))).toContain("wiped");
  });

  it("an anonymous caller gets 401 with the OAuth challenge, before any policy runs", async () => {
    const res = await postJsonRpc(
      gw.url,
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
      }),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer resource_metadata=/);
  });
});
