// The pure rules of the stdio proxy: which protocol version a client is answered with, which log
// messages a client's level lets through, and the bound and idle expiry of client sessions.
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { ClientSessions } from "../../../src/proxy/client-sessions.ts";
import { mostVerbose, wantsMessage } from "../../../src/proxy/log-levels.ts";
import { negotiateVersion } from "../../../src/proxy/protocol-version.ts";

describe("protocol version for a client", () => {
  it("the client's own when the server's is that or newer; else the server's", () => {
    expect(negotiateVersion("2024-11-05", "2025-11-25")).toBe("2024-11-05");
    expect(negotiateVersion("2025-06-18", "2025-06-18")).toBe("2025-06-18");
    expect(negotiateVersion(LATEST_PROTOCOL_VERSION, "2025-06-18")).toBe("2025-06-18");
    expect(negotiateVersion("2099-01-01", "2025-06-18")).toBe("2025-06-18");
    expect(negotiateVersion(undefined, "2025-03-26")).toBe("2025-03-26");
    expect(negotiateVersion(42, "2025-03-26")).toBe("2025-03-26");
  });
});

describe("log levels", () => {
  it("a client gets messages at or above its level, everything before it set one", () => {
    expect(wantsMessage(undefined, "debug")).toBe(true);
    expect(wantsMessage("error", "info")).toBe(false);
    expect(wantsMessage("error", "critical")).toBe(true);
    expect(wantsMessage("info", "no-such-level")).toBe(true);
    expect(mostVerbose(["error", undefined, "notice", "warning"])).toBe("notice");
    expect(mostVerbose([undefined])).toBeUndefined();
  });
});

describe("client sessions", () => {
  it("at most `max` are open; idle ones are swept to make room, busy ones are kept", () => {
    const ended: string[] = [];
    const s = new ClientSessions({ max: 2, idleMs: 1_000, onEnd: (c) => ended.push(c.id) });
    const a = s.create("2025-11-25");
    const b = s.create("2025-11-25");
    expect(a && b).toBeTruthy();
    b?.inFlight.set("1", new AbortController());
    expect(s.create("2025-11-25")).toBeUndefined();
    if (a) a.lastSeen -= 5_000;
    if (b) b.lastSeen -= 5_000;
    expect(s.create("2025-11-25")).toBeDefined();
    expect(ended).toEqual([a?.id]);
    s.close();
  });

  it("ending a session aborts its calls in flight with the reason", () => {
    const s = new ClientSessions({ max: 4, idleMs: 60_000, onEnd: () => {} });
    const c = s.create("2025-11-25");
    const call = new AbortController();
    c?.inFlight.set("7", call);
    s.end(c?.id ?? "", "the client ended its session");
    expect(call.signal.aborted).toBe(true);
    expect((call.signal.reason as Error).message).toBe("the client ended its session");
    expect(s.get(c?.id ?? "")).toBeUndefined();
    s.close();
  });
});
