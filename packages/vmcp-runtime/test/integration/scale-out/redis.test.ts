// sessionStorage provider redis: three `vmcp serve` processes sharing a real redis-server behind a
// round-robin balancer. The session lives in Redis; when Redis goes away the client gets a clear
// 503 naming session storage, and the gateways serve again once it is back.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type StartedBackend, startBackend } from "../../fixtures/backend.ts";
import { type Balancer, startBalancer } from "../../fixtures/balancer.ts";
import { connectClient, postJsonRpc, textOf, until } from "../../fixtures/gateway.ts";
import { type RedisServer, redisServerCommand, startRedisServer } from "../../fixtures/redis-server.ts";
import { expectSessionBoundToCaller, type Replica, startReplicas } from "../../fixtures/replicas.ts";
import { INITIALIZE } from "../../fixtures/serve-process.ts";
import { type LocalIdp, startLocalIdp } from "../auth/local-idp.ts";

const redis = redisServerCommand();
if (!redis.ok) console.log(`skipping the Redis session storage tests: ${redis.why}`);

/** A per-backend-session counter: the count goes on iff every replica reached the same backend session. */
const registerCounting: Parameters<typeof startBackend>[0]["register"] = (server) => {
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

/** The JSON-RPC message of a POST answer, whether sent as JSON or as one SSE event. */
async function rpcOf(r: Response): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const text = await r.text();
  if (!(r.headers.get("content-type") ?? "").includes("text/event-stream")) return JSON.parse(text);
  const data = text
    .split("\n")
    .filter((l) => l.startsWith("data: "))
    .map((l) => l.slice(6))
    .find((l) => l.includes('"id"'));
  return JSON.parse(data ?? "{}");
}

const consecutiveRepeats = (xs: number[]) => xs.filter((x, i) => i > 0 && xs[i - 1] === x).length;

describe.skipIf(!redis.ok)("sessionStorage redis: three replicas sharing a real redis-server", () => {
  let backend: StartedBackend;
  let server: RedisServer;
  let replicas: Replica[] = [];
  let lb: Balancer;
  let client: Client | undefined;

  beforeAll(async () => {
    server = await startRedisServer();
    backend = await startBackend({ name: "feat", register: registerCounting });
    const backends = [{ name: "feat", url: backend.url }];
    replicas = await startReplicas(
      [0, 1, 2].map(() => ({
        backends,
        config: [
          "sessionStorage:",
          "  provider: redis",
          `  address: "${server.address}"`,
          `  keyPrefix: "test:"`,
        ],
        env: { VMCP_SESSION_REDIS_PASSWORD: server.password },
      })),
    );
    lb = await startBalancer(replicas.map((r) => r.url));
  });

  afterAll(async () => {
    await client?.close();
    await lb?.close();
    await Promise.all(replicas.map((r) => r.stop()));
    await backend?.close();
    await server?.stop();
  });

  it("one client session: initialize, tools/list and 20 calls, each request on another replica", async () => {
    client = await connectClient(lb.url);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("feat_count");
    for (let i = 1; i <= 20; i++) {
      const r = await client.callTool({ name: "feat_count", arguments: { by: 1 } });
      expect(textOf(r)).toBe(String(i));
    }
    expect(new Set(lb.posts)).toEqual(new Set([0, 1, 2]));
    expect(consecutiveRepeats(lb.posts)).toBe(0);
  });

  it("hands out random ids, not sealed tokens", async () => {
    const r = await postJsonRpc(lb.url, INITIALIZE);
    expect(r.status).toBe(200);
    expect(r.headers.get("mcp-session-id")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("Redis down: a clear 503 naming session storage; back: the lost session is 404, a new one works everywhere", async () => {
    const init = await postJsonRpc(lb.url, INITIALIZE);
    const sid = init.headers.get("mcp-session-id") as string;
    const headers = { "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" };
    const count = (h: Record<string, string>) =>
      postJsonRpc(
        lb.url,
        JSON.stringify({
          jsonrpc: "2.0",
          id: 7,
          method: "tools/call",
          params: { name: "feat_count", arguments: { by: 0 } },
        }),
        h,
      );
    expect((await count(headers)).status).toBe(200);

    await server.stop();
    for (let i = 0; i < 3; i++) {
      const down = await count(headers);
      expect(down.status).toBe(503);
      const msg = await rpcOf(down);
      expect(msg.error?.code).toBe(-32603);
      expect(msg.error?.message).toMatch(/session storage \(Redis\) unavailable/);
    }
    const initDown = await postJsonRpc(lb.url, INITIALIZE);
    expect(initDown.status).toBe(503);
    expect((await rpcOf(initDown)).error?.message).toMatch(/session storage/);
    expect(replicas.every((r) => r.alive())).toBe(true);

    await server.start();
    // Each replica reconnects on its own schedule; until then it still answers 503.
    const lost = await until(async () => {
      const r = await count(headers);
      return r.status === 503 ? undefined : r;
    }, "a replica answering without 503 after Redis returned");
    // No persistence: the session went with Redis's data, and the client must initialize again.
    expect(lost.status).toBe(404);
    expect((await rpcOf(lost)).error).toEqual({ code: -32001, message: "Session not found" });

    const fresh = await until(async () => {
      const r = await postJsonRpc(lb.url, INITIALIZE);
      return r.status === 200 ? r : undefined;
    }, "initialize after Redis returned");
    const again = {
      "mcp-session-id": fresh.headers.get("mcp-session-id") as string,
      "mcp-protocol-version": "2025-11-25",
    };
    // Every replica is serving from Redis again (the balancer alternates; allow one to be late).
    await until(async () => {
      const statuses = await Promise.all([0, 1, 2].map(async () => (await count(again)).status));
      return statuses.every((s) => s === 200);
    }, "all replicas serving the new session");
    for (let i = 0; i < 6; i++) {
      const r = await count(again);
      expect(r.status).toBe(200);
      expect(textOf((await rpcOf(r)).result)).toBe("0");
    }
  });
});

describe.skipIf(!redis.ok)(
  "sessionStorage redis: ids bound to their caller, ended everywhere by DELETE",
  () => {
    let backend: StartedBackend;
    let server: RedisServer;
    let idp: LocalIdp;
    let replicas: Replica[] = [];

    beforeAll(async () => {
      server = await startRedisServer();
      backend = await startBackend({ name: "feat", register: registerCounting });
      idp = await startLocalIdp();
      const backends = [{ name: "feat", url: backend.url }];
      replicas = await startReplicas(
        [0, 1].map(() => ({
          backends,
          incomingAuth: [
            "incomingAuth:",
            "  type: oidc",
            "  oidc:",
            `    issuer: ${idp.issuer}`,
            "    audience: vmcp",
            `    jwksUrl: ${idp.jwksUrl}`,
            "    insecureAllowHttp: true",
          ],
          config: ["sessionStorage:", "  provider: redis", `  address: "${server.address}"`],
          env: { VMCP_SESSION_REDIS_PASSWORD: server.password },
        })),
      );
    });

    afterAll(async () => {
      await Promise.all(replicas.map((r) => r.stop()));
      await backend?.close();
      await idp?.close();
      await server?.stop();
    });

    it("continues alice's session for alice on another replica, refuses bob and made-up ids, and DELETE ends it on both", async () => {
      const [a, b] = replicas as [Replica, Replica];
      const { sid, list, headers, alice } = await expectSessionBoundToCaller(a, b, idp);
      for (const made of ["A".repeat(43), "x".repeat(5000), `${sid}x`]) {
        const r = await postJsonRpc(b.url, list, { ...headers, "mcp-session-id": made, ...alice });
        expect(r.status).toBe(404);
        expect((await rpcOf(r)).error).toEqual({ code: -32001, message: "Session not found" });
      }

      const del = await fetch(a.url, { method: "DELETE", headers: { ...headers, ...alice } });
      expect(del.status).toBe(200);
      // The key is gone from Redis: the replica that still caches the session refuses it too.
      expect((await postJsonRpc(b.url, list, { ...headers, ...alice })).status).toBe(404);
      expect((await postJsonRpc(a.url, list, { ...headers, ...alice })).status).toBe(404);
    });
  },
);
