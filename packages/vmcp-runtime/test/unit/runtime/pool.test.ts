import { describe, expect, it } from "vitest";
import { BackendPool } from "../../../src/backends/pool.ts";
import type { OutgoingAuth } from "../../../src/backends/types.ts";
import type { BackendSpec } from "../../../src/registry/types.ts";

const auth: OutgoingAuth = { type: "unauthenticated", headers: async () => ({}) };
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
    const b = await pool.open(spec("a"));
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
    const old = await pool.open(spec("a"));
    const renewed = await pool.open(spec("a", { timeoutMs: 2000 }));
    await pool.close(old);
    expect(pool.get("a")).toBe(renewed);
    await pool.closeAll();
    expect(pool.get("a")).toBeUndefined();
  });

  it("keeps nothing of a backend that cannot be set up", async () => {
    const pool = new BackendPool({ outgoingAuth: () => auth });
    await expect(pool.open(spec("bad", { caBundlePath: "/nonexistent/ca.pem" }))).rejects.toThrow();
    expect(pool.get("bad")).toBeUndefined();
    await pool.closeAll();
  });
});
