import { describe, expect, it } from "vitest";
import { z } from "zod";
import { BackendPool } from "../../../src/backends/pool.ts";
import type { OutgoingAuth } from "../../../src/backends/types.ts";
import type { BackendSpec } from "../../../src/registry/types.ts";
import { startBackend } from "../../fixtures/backend.ts";

const auth: OutgoingAuth = { type: "unauthenticated", headers: async () => ({}) };
const events = { onChanged: () => {}, onLost: () => {} };
const spec = (name: string, extra: Partial<BackendSpec> = {}): BackendSpec => ({
  name,
  url: `http://127.0.0.1:9/${name}/mcp?x=1`,
  transport: "streamable-http",
  timeoutMs: 1000,
  authType: "unauthenticated",
  ...extra,
});

describe("the backend pool stage", () => {
  it("opens a backend's connections and auth without dialling, and closes them", async () => {
    const seen: string[] = [];
    const pool = new BackendPool({
      outgoingAuth: (s) => {
        seen.push(s.name);
        return auth;
      },
      maxConnectionsPerBackend: 3,
    });
    const b = await pool.open(spec("a"), events);
    expect(b.pools).toMatchObject({ origin: "http://127.0.0.1:9", path: "/a/mcp?x=1" });
    expect(b.pools.callSlots.max).toBe(3);
    expect(b.auth).toBe(auth);
    expect(pool.get("a")).toBe(b);
    expect(seen).toEqual(["a"]);
    await pool.close(b);
    expect(pool.get("a")).toBeUndefined();
  });

  it("closing a backend's old connections leaves those opened meanwhile for its new spec", async () => {
    const pool = new BackendPool({ outgoingAuth: () => auth });
    const old = await pool.open(spec("a"), events);
    const renewed = await pool.open(spec("a", { timeoutMs: 2000 }), events);
    await pool.close(old);
    expect(pool.get("a")).toBe(renewed);
    await pool.closeAll();
    expect(pool.get("a")).toBeUndefined();
  });

  it("keeps nothing of a backend that cannot be set up", async () => {
    const pool = new BackendPool({ outgoingAuth: () => auth });
    await expect(pool.open(spec("bad", { caBundlePath: "/nonexistent/ca.pem" }), events)).rejects.toThrow();
    expect(pool.get("bad")).toBeUndefined();
    await pool.closeAll();
  });

  it("owns each backend's control session: it lists, reports list_changed and a lost session, and closes with the pool", async () => {
    const backend = await startBackend({
      name: "ctl",
      capabilities: { tools: { listChanged: true } },
      register: (server) => {
        server.registerTool("first", { inputSchema: { q: z.string() } }, async () => ({ content: [] }));
      },
    });
    const pool = new BackendPool({ outgoingAuth: () => auth });
    let changed = 0;
    let lost = 0;
    let wake: () => void = () => {};
    const happened = () => new Promise<void>((r) => (wake = r));
    try {
      const b = await pool.open(
        { ...spec("ctl"), url: backend.url },
        {
          onChanged: () => {
            changed++;
            wake();
          },
          onLost: () => {
            lost++;
            wake();
          },
        },
      );
      expect(pool.get("ctl")?.control).toBe(b.control);
      const listing = await b.control.list(2000);
      expect(listing.tools.map((t) => t.name)).toEqual(["first"]);
      expect(backend.sessionCount()).toBe(1);
      // A tool added at the backend: list_changed on the control session's stream.
      let seen = happened();
      for (const s of backend.ctx.servers)
        s.registerTool("second", { inputSchema: { q: z.string() } }, async () => ({ content: [] }));
      await seen;
      expect(changed).toBeGreaterThanOrEqual(1);
      expect((await b.control.list(2000)).tools.map((t) => t.name).sort()).toEqual(["first", "second"]);
      expect(await b.control.ping(1000, AbortSignal.timeout(1000))).toBe(true);
      // The backend forgets its sessions (a restart): the session is reported lost.
      seen = happened();
      await backend.dropSessions();
      await seen;
      expect(lost).toBe(1);
      expect(await b.control.ping(1000, AbortSignal.timeout(1000))).toBe(false);
      await b.control.list(2000);
      expect(backend.sessionCount()).toBe(1);
      // Closing the pool ends the control session at the backend.
      await pool.closeAll();
      expect(backend.sessionCount()).toBe(0);
    } finally {
      await pool.closeAll();
      await backend.close();
    }
  });
});
