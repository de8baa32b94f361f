// operational.maxConnectionsPerBackend through the real gateway: many client sessions calling a
// slow backend at once never hold more than the cap of connections to it; a call that waits for
// a connection longer than its timeout gets -32603 naming the backend, and the backend is not
// marked unhealthy for the gateway's own back-pressure.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CallToolResultSchema, McpError } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedBackend, startBackend } from "../fixtures/backend.ts";
import { connectClient, type StartedGateway, startGateway, textOf, until } from "../fixtures/gateway.ts";

const CAP = 2;
const TIMEOUT_MS = 1500;

describe("connections per backend", () => {
  let backend: StartedBackend;
  let gw: StartedGateway;
  let running = 0;
  let peak = 0;
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });

  /** `hold`: answers when the test opens the gate, keeping its stream alive with progress
   * notifications meanwhile (so only the gateway's queue wait can time out). */
  function register(server: McpServer): void {
    server.registerTool("hold", { description: "waits for the test" }, async (extra) => {
      running++;
      peak = Math.max(peak, running);
      const token = extra._meta?.progressToken;
      let n = 0;
      const beat = setInterval(() => {
        if (token !== undefined)
          void extra
            .sendNotification({
              method: "notifications/progress",
              params: { progressToken: token, progress: ++n },
            })
            .catch(() => {});
      }, 200);
      try {
        await gate;
      } finally {
        clearInterval(beat);
        running--;
      }
      return { content: [{ type: "text", text: "released" }] };
    });
    server.registerTool("quick", { description: "answers at once" }, async () => {
      running++;
      peak = Math.max(peak, running);
      running--;
      return { content: [{ type: "text", text: "quick" }] };
    });
  }

  beforeAll(async () => {
    backend = await startBackend({ name: "slow", register });
    gw = await startGateway([{ name: "slow", url: backend.url, timeoutMs: TIMEOUT_MS }], {
      maxConnectionsPerBackend: CAP,
    });
  });
  afterAll(async () => {
    release();
    await gw?.close();
    await backend?.close();
  });

  it("holds at most the cap, refuses a call that waited past its timeout with -32603, then serves again", async () => {
    const clients = await Promise.all(Array.from({ length: CAP + 3 }, () => connectClient(gw.url)));
    try {
      const holders = clients.slice(0, CAP).map((c) =>
        c.request(
          { method: "tools/call", params: { name: "slow_hold", arguments: {} } },
          CallToolResultSchema,
          {
            onprogress: () => {},
            resetTimeoutOnProgress: true,
          },
        ),
      );
      await until(() => running === CAP, "both holders running at the backend");
      const waiters = clients.slice(CAP).map((c) =>
        c.callTool({ name: "slow_quick", arguments: {} }).then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      const errors = await Promise.all(waiters);
      for (const e of errors) {
        expect(e).toBeInstanceOf(McpError);
        expect((e as McpError).code).toBe(-32603);
        expect((e as McpError).message).toMatch(/backend 'slow'.*no free connection within 1500 ms/);
      }
      expect(peak).toBe(CAP);
      // The gateway's back-pressure is not the backend's failure.
      expect(gw.gateway.status().backends[0]?.health).toBe("healthy");

      release();
      for (const r of await Promise.all(holders)) expect(textOf(r)).toBe("released");
      const again = await Promise.all(clients.map((c) => c.callTool({ name: "slow_quick", arguments: {} })));
      for (const r of again) expect(textOf(r)).toBe("quick");
      expect(peak).toBe(CAP);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});
