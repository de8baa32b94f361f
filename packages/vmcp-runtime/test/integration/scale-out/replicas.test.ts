// Several `vmcp serve` processes sharing session keys behind a round-robin balancer: one client
// session whose every request reaches another replica behaves as it does on one replica.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type StartedBackend, startBackend } from "../../fixtures/backend.ts";
import { type Balancer, startBalancer } from "../../fixtures/balancer.ts";
import { FEATURE_CAPABILITIES, registerFeatures } from "../../fixtures/features.ts";
import { connectClient, postJsonRpc, textOf } from "../../fixtures/gateway.ts";
import {
  expectSessionBoundToCaller,
  newSessionKey,
  type Replica,
  startReplicas,
} from "../../fixtures/replicas.ts";
import { INITIALIZE } from "../../fixtures/serve-process.ts";
import { type LocalIdp, startLocalIdp } from "../auth/local-idp.ts";

/** The features backend plus a per-session counter: the same backend session answers iff the
 * count goes on from where it was, whichever replica forwarded the call. */
const registerCounting: Parameters<typeof startBackend>[0]["register"] = (server, ctx) => {
  registerFeatures(server, ctx);
  let n = 0;
  server.registerTool(
    "count",
    { description: "counts calls in this session", inputSchema: { by: z.number() } },
    async ({ by }) => {
      n += by;
      return { content: [{ type: "text", text: String(n) }] };
    },
  );
};

/** Tools are advertised under the backend's prefix ("feat_count"). */
const call = (c: Client, name: string, args: Record<string, unknown> = {}) =>
  c.callTool({ name: `feat_${name}`, arguments: args }).then(textOf);

const consecutiveRepeats = (xs: number[]) => xs.filter((x, i) => i > 0 && xs[i - 1] === x).length;

describe("three replicas, one client session, every request on another replica", () => {
  let backend: StartedBackend;
  let replicas: Replica[] = [];
  let lb: Balancer;
  let client: Client;
  const keys = `k1=${newSessionKey()}`;

  beforeAll(async () => {
    backend = await startBackend({
      name: "feat",
      register: registerCounting,
      capabilities: FEATURE_CAPABILITIES,
    });
    const backends = [{ name: "feat", url: backend.url }];
    replicas = await startReplicas([0, 1, 2].map(() => ({ backends, sessionKeys: keys })));
    lb = await startBalancer(replicas.map((r) => r.url));
    client = await connectClient(lb.url, { sampling: {} }, (c) => {
      c.setRequestHandler(CreateMessageRequestSchema, async () => ({
        role: "assistant",
        content: { type: "text", text: "forty-two" },
        model: "test-model",
      }));
    });
  });

  afterAll(async () => {
    await client?.close();
    await lb?.close();
    await Promise.all(replicas.map((r) => r.stop()));
    await backend?.close();
  });

  it("initializes, lists and runs 100 calls on one backend session, alternating replicas", async () => {
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain("feat_count");
    for (let i = 1; i <= 100; i++) expect(await call(client, "count", { by: 1 })).toBe(String(i));
    const posts = lb.posts;
    expect(new Set(posts)).toEqual(new Set([0, 1, 2]));
    expect(consecutiveRepeats(posts)).toBe(0);
  });

  it("relays progress from a call on a replica that did not create the session", async () => {
    const progress: number[] = [];
    const r = await client.callTool({ name: "feat_progress", arguments: { steps: 3 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(textOf(r)).toBe("done 3");
    expect(progress).toEqual([1, 2, 3]);
  });

  it("answers a server-to-client request (sampling) whichever replica the answer reaches", async () => {
    for (let i = 0; i < 3; i++)
      expect(await call(client, "sample", { prompt: "meaning?" })).toBe("model said: forty-two (test-model)");
  });

  it("carries on when a replica dies mid-session: the next request goes to another and succeeds", async () => {
    const before = Number(await call(client, "count", { by: 0 }));
    await (replicas[1] as Replica).kill();
    for (let i = 1; i <= 6; i++) expect(await call(client, "count", { by: 1 })).toBe(String(before + i));
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });
});

describe("session ids a replica must refuse", () => {
  let backend: StartedBackend;
  let replicas: Replica[] = [];
  const oldKey = newSessionKey();
  const newKey = newSessionKey();

  beforeAll(async () => {
    backend = await startBackend({
      name: "feat",
      register: registerCounting,
      capabilities: FEATURE_CAPABILITIES,
    });
    const backends = [{ name: "feat", url: backend.url }];
    // Replica 0 still seals with the old key; replica 1 has rotated it out entirely.
    replicas = await startReplicas([
      { backends, sessionKeys: `old=${oldKey}` },
      { backends, sessionKeys: `new=${newKey}` },
      { backends, sessionKeys: `new=${newKey},old=${oldKey}` },
    ]);
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await backend?.close();
  });

  const ping = (url: string, sid: string) =>
    postJsonRpc(url, JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }), {
      "mcp-session-id": sid,
      "mcp-protocol-version": "2025-11-25",
    });

  const initialize = async (url: string) => {
    const r = await postJsonRpc(url, INITIALIZE);
    expect(r.status).toBe(200);
    return r.headers.get("mcp-session-id") as string;
  };

  it("accepts an id sealed with the previous key during the overlap and refuses it once rotated out", async () => {
    const [old, rotated, overlap] = replicas as [Replica, Replica, Replica];
    const sid = await initialize(old.url);
    expect(sid.startsWith("v1.old.")).toBe(true);
    expect((await ping(overlap.url, sid)).status).toBe(200);
    const refused = await ping(rotated.url, sid);
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ error: { code: -32001, message: "Session not found" } });
  });

  it("refuses tampered, foreign, oversized and made-up ids with 404 and says nothing more", async () => {
    const [, rotated, overlap] = replicas as [Replica, Replica, Replica];
    const sid = await initialize(overlap.url);
    const body = sid.split(".")[2] as string;
    const flipped = `${body.slice(0, 20)}${body[20] === "A" ? "B" : "A"}${body.slice(21)}`;
    const bad = [
      `v1.new.${flipped}`,
      `v1.old.${body}`,
      `v1.new.${"A".repeat(5000)}`,
      "3f1c2d9e-aaaa-bbbb-cccc-0123456789ab",
    ];
    for (const id of bad) {
      const r = await ping(rotated.url, id);
      expect(r.status).toBe(404);
      const text = await r.text();
      expect(JSON.parse(text)).toEqual({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32001, message: "Session not found" },
      });
    }
    expect((await ping(rotated.url, sid)).status).toBe(200);
    // What an operator sees: refusals by reason (a rotation gone wrong shows as unknown-key).
    const metrics = await (await fetch(rotated.url.replace(/\/mcp$/, "/metrics"))).text();
    for (const reason of ["tampered", "unknown-key", "too-large", "malformed"])
      expect(metrics).toMatch(new RegExp(`vmcp_session_refusals_total\\{reason="${reason}"\\} [1-9]`));
    expect(metrics).toMatch(/vmcp_session_resumes_total [1-9]/);
  });
});

describe("a session id is bound to the identity that created it, on every replica", () => {
  let backend: StartedBackend;
  let idp: LocalIdp;
  let replicas: Replica[] = [];

  beforeAll(async () => {
    backend = await startBackend({
      name: "feat",
      register: registerCounting,
      capabilities: FEATURE_CAPABILITIES,
    });
    idp = await startLocalIdp();
    const keys = `k1=${newSessionKey()}`;
    const incomingAuth = [
      "incomingAuth:",
      "  type: oidc",
      "  oidc:",
      `    issuer: ${idp.issuer}`,
      "    audience: vmcp",
      `    jwksUrl: ${idp.jwksUrl}`,
      "    insecureAllowHttp: true",
    ];
    const backends = [{ name: "feat", url: backend.url }];
    replicas = await startReplicas([0, 1].map(() => ({ backends, sessionKeys: keys, incomingAuth })));
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await backend?.close();
    await idp?.close();
  });

  it("continues alice's session for alice on another replica and refuses it to bob with 404", async () => {
    const [a, b] = replicas as [Replica, Replica];
    await expectSessionBoundToCaller(a, b, idp);
  });
});
