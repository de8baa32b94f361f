// Audit events from a real gateway: OIDC callers from a local issuer, Cedar policies, a real MCP
// backend and the audit file on disk. One event per request, allowed and denied calls told apart,
// and neither the bearer token nor an argument value in the file.
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { AuditConfigSchema } from "@vmcp/shared-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditor } from "../../../src/audit/sink.ts";
import { createIncomingAuth } from "../../../src/auth/incoming.ts";
import { createAuthorizer } from "../../../src/authz/cedar.ts";
import { silentLogger } from "../../../src/logger.ts";
import { type StartedBackend, startBackend } from "../../fixtures/backend.ts";
import { registerFeatures } from "../../fixtures/features.ts";
import { type StartedGateway, startGateway } from "../../fixtures/gateway.ts";
import { type LocalIdp, startLocalIdp } from "../auth/local-idp.ts";

const SECRET_ARG = "s3cret-argument-value";

describe("audit events on the gateway", () => {
  let idp: LocalIdp;
  let alpha: StartedBackend;
  let gw: StartedGateway;
  let dir: string;
  let aliceToken: string;
  let bobToken: string;

  const connectAs = async (bearer: string) => {
    const c = new Client({ name: "audit-test", version: "1" });
    await c.connect(
      new StreamableHTTPClientTransport(new URL(gw.url), {
        requestInit: { headers: { authorization: `Bearer ${bearer}` } },
      }),
    );
    return c;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vmcp-audit-"));
    [idp, alpha] = await Promise.all([
      startLocalIdp(),
      startBackend({ name: "alpha", register: registerFeatures }),
    ]);
    gw = await startGateway([{ name: "alpha", url: alpha.url }], {
      incomingAuth: createIncomingAuth(
        { type: "oidc", oidc: { issuer: idp.issuer, audience: "vmcp", jwksUrl: idp.jwksUrl } },
        { resourceUrl: "http://127.0.0.1" },
      ),
      authz: createAuthorizer({
        type: "cedar",
        policies: ['permit(principal == Client::"alice", action == Action::"call_tool", resource);'],
      }),
      audit: createAuditor(AuditConfigSchema.parse({ log_file: join(dir, "audit.jsonl") }), {
        component: "audit-vmcp",
        log: silentLogger(),
      }),
    });
    const sign = (sub: string) => idp.sign({ sub, iss: idp.issuer, aud: "vmcp" }, { expiresIn: "10m" });
    [aliceToken, bobToken] = await Promise.all([sign("alice"), sign("bob")]);
  });

  afterAll(async () => {
    await alpha?.close();
    await idp?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("writes one event per request with who, tool, backend, decision and outcome; no token, no argument value", async () => {
    const alice = await connectAs(aliceToken);
    const bob = await connectAs(bobToken);
    const ok = await alice.callTool({ name: "alpha_echo", arguments: { text: SECRET_ARG } });
    expect(ok.isError).toBeFalsy();
    await expect(bob.callTool({ name: "alpha_echo", arguments: { text: SECRET_ARG } })).rejects.toThrow(
      /not authorized|denied/i,
    );
    await alice.close();
    await bob.close();
    await gw.close(); // flushes the audit queue

    const path = join(dir, "audit.jsonl");
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const text = await readFile(path, "utf8");
    expect(text).not.toContain(SECRET_ARG);
    expect(text).not.toContain(aliceToken);
    expect(text).not.toContain(bobToken);
    const events = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const calls = events.filter((e) => e.event_type === "mcp_tool_call");
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({
      type: "audit",
      component: "audit-vmcp",
      subject: "alice",
      issuer: idp.issuer,
      method: "tools/call",
      tool: "alpha_echo",
      backend: "alpha",
      decision: "allow",
      outcome: "ok",
    });
    expect(calls[1]).toMatchObject({
      subject: "bob",
      tool: "alpha_echo",
      backend: "vmcp",
      decision: "deny",
      outcome: "error",
    });
    expect(typeof calls[0].duration_ms).toBe("number");
    expect(events.filter((e) => e.event_type === "mcp_initialize").map((e) => e.subject)).toEqual([
      "alice",
      "bob",
    ]);
  });
});
