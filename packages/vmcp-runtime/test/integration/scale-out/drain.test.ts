// SIGTERM on a real `vmcp serve`: readiness fails first, new sessions are refused, the call in
// flight finishes with its real answer, the client's SSE stream is ended, and the process exits 0.
// Until the shutdown delay is over the listener stays open even with nothing in flight: kube-proxy
// still routes new connections to a terminating pod for a moment.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedBackend, startBackend } from "../../fixtures/backend.ts";
import { connectClient, postJsonRpc, textOf, until } from "../../fixtures/gateway.ts";
import { newSessionKey, type Replica, startReplica } from "../../fixtures/replicas.ts";
import { INITIALIZE } from "../../fixtures/serve-process.ts";

describe("graceful shutdown on SIGTERM", () => {
  let backend: StartedBackend;
  let replica: Replica;
  let release: () => void = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  const started: string[] = [];

  beforeAll(async () => {
    backend = await startBackend({
      name: "slow",
      register: (server) => {
        server.registerTool("hold", { description: "answers when the test says so" }, async () => {
          started.push("hold");
          await released;
          return { content: [{ type: "text", text: "finished after SIGTERM" }] };
        });
      },
    });
    replica = await startReplica({
      backends: [{ name: "slow", url: backend.url }],
      sessionKeys: `k1=${newSessionKey()}`,
      // The in-flight wait alone, without the delay before it.
      args: ["--shutdown-delay=0s"],
    });
  });

  afterAll(async () => {
    release();
    await replica?.stop();
    await backend?.close();
  });

  it("fails readiness, refuses new sessions, finishes the call in flight, then exits 0", async () => {
    const base = replica.url.replace(/\/mcp$/, "");
    const client: Client = await connectClient(replica.url);
    const call = client.callTool({ name: "slow_hold", arguments: {} });
    // A second session with a raw standalone SSE stream, to see how it ends.
    const init = await postJsonRpc(replica.url, INITIALIZE);
    const stream = await fetch(replica.url, {
      headers: {
        accept: "text/event-stream",
        "mcp-session-id": init.headers.get("mcp-session-id") as string,
        "mcp-protocol-version": "2025-11-25",
      },
    });
    expect(stream.status).toBe(200);
    const drained = (async () => {
      const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
      while (!(await reader.read()).done);
      return "ended cleanly";
    })();
    await until(() => started.length === 1, "call reached the backend");

    const exit = replica.terminate();
    const readyz = await until(async () => {
      const r = await fetch(`${base}/readyz`);
      return r.status === 503 ? r.json() : undefined;
    }, "readiness fails");
    expect(readyz).toMatchObject({ status: "not_ready", reason: "shutting_down" });
    const refused = await postJsonRpc(replica.url, INITIALIZE);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(await refused.json()).toMatchObject({
      error: { message: expect.stringContaining("shutting down") },
    });
    expect(replica.alive()).toBe(true);

    release();
    expect(textOf(await call)).toBe("finished after SIGTERM");
    expect(await drained).toBe("ended cleanly");
    expect(await exit).toBe(0);
    await client.close().catch(() => {});
  });
});

describe("the shutdown delay on SIGTERM", () => {
  let backend: StartedBackend;
  let replica: Replica;

  beforeAll(async () => {
    backend = await startBackend({
      name: "quick",
      register: (server) => {
        server.registerTool("now", { description: "answers at once" }, async () => ({
          content: [{ type: "text", text: "still here" }],
        }));
      },
    });
    replica = await startReplica({
      backends: [{ name: "quick", url: backend.url }],
      sessionKeys: `k1=${newSessionKey()}`,
      args: ["--shutdown-delay=2s"],
    });
  });

  afterAll(async () => {
    await replica?.stop();
    await backend?.close();
  });

  it("with nothing in flight, keeps answering the open session on new connections, each with Connection: close, then exits 0", async () => {
    const base = replica.url.replace(/\/mcp$/, "");
    const client: Client = await connectClient(replica.url);
    expect(textOf(await client.callTool({ name: "quick_now", arguments: {} }))).toBe("still here");
    const exit = replica.terminate();
    await until(async () => (await fetch(`${base}/readyz`)).status === 503, "readiness fails");
    // What a client routed here by a kube-proxy that has not caught up yet gets: an answer.
    expect(textOf(await client.callTool({ name: "quick_now", arguments: {} }))).toBe("still here");
    const init = await postJsonRpc(replica.url, INITIALIZE);
    expect(init.status).toBe(503);
    expect(init.headers.get("connection")).toBe("close");
    expect(replica.alive()).toBe(true);
    expect(await exit).toBe(0);
    await client.close().catch(() => {});
  });
});
