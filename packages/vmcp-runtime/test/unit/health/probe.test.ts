import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { Agent } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import type { OutgoingAuth } from "../../../src/backends/types.ts";
import { type ControlPing, type ProbeTarget, probeBackend } from "../../../src/health/probe.ts";

// Port 1 on loopback: nothing listens, so a check on a new session fails at once. Counting
// the auth lookups tells whether one was attempted (it asks for headers per request).
const dispatcher = new Agent();
afterAll(() => dispatcher.close());

function target(control: ControlPing | undefined): { t: ProbeTarget; newSessionRequests: () => number } {
  let n = 0;
  const auth: OutgoingAuth = {
    type: "unauthenticated",
    headers: async () => {
      n++;
      return {};
    },
  };
  return {
    t: {
      spec: { name: "b", url: "http://127.0.0.1:1/mcp", transport: "streamable-http" },
      dispatcher,
      auth,
      control,
    },
    newSessionRequests: () => n,
  };
}

const refused = Object.assign(new TypeError("fetch failed"), {
  cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
});

describe("health probe", () => {
  it("answers from a ping on the control session without opening a new session", async () => {
    const { t, newSessionRequests } = target({ ping: async () => true });
    expect(await probeBackend(t, 1000)).toMatchObject({ ok: true });
    expect(newSessionRequests()).toBe(0);
  });

  it("opens a new session when there is no control session to reuse", async () => {
    const { t, newSessionRequests } = target({ ping: async () => false });
    expect(await probeBackend(t, 1000)).toMatchObject({ ok: false });
    expect(newSessionRequests()).toBeGreaterThan(0);
  });

  it("takes a refused ping as the verdict: a new session would only find the port closed later", async () => {
    const { t, newSessionRequests } = target({
      ping: async () => {
        throw refused;
      },
    });
    expect(await probeBackend(t, 1000)).toMatchObject({ ok: false, kind: "refused" });
    expect(newSessionRequests()).toBe(0);
  });

  it("reports a ping that never answers as a timeout after the check timeout, without a second wait", async () => {
    const { t, newSessionRequests } = target({
      ping: (_ms, signal) =>
        new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
    });
    const started = performance.now();
    expect(await probeBackend(t, 50)).toMatchObject({ ok: false, kind: "timeout" });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(newSessionRequests()).toBe(0);
  });

  it("takes the SDK's own request timeout on the ping as a timeout too", async () => {
    const { t } = target({
      ping: async () => {
        throw new McpError(ErrorCode.RequestTimeout, "Request timed out");
      },
    });
    expect(await probeBackend(t, 1000)).toMatchObject({ ok: false, kind: "timeout" });
  });

  it("checks with a new session when the ping fails otherwise (session expired, ping not implemented)", async () => {
    for (const err of [
      new Error("Error POSTing to endpoint (HTTP 404): session not found"),
      new McpError(ErrorCode.MethodNotFound, "Method not found"),
    ]) {
      const { t, newSessionRequests } = target({
        ping: async () => {
          throw err;
        },
      });
      expect(await probeBackend(t, 1000)).toMatchObject({ ok: false });
      expect(newSessionRequests()).toBeGreaterThan(0);
    }
  });
});
