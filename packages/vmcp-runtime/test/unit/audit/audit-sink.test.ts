import { Writable } from "node:stream";
import { AuditConfigSchema } from "@vmcp/shared-types";
import { describe, expect, it } from "vitest";
import { auditEvent } from "../../../src/audit/events.ts";
import { BoundedLineWriter, createAuditor } from "../../../src/audit/sink.ts";
import { type Logger, silentLogger } from "../../../src/logger.ts";

/** A disk that takes `delayMs` per write: the fault a bounded audit queue must survive. */
function slowDisk(delayMs: number) {
  const lines: string[] = [];
  const out = new Writable({
    highWaterMark: 256,
    write(chunk, _enc, done) {
      setTimeout(() => {
        lines.push(String(chunk));
        done();
      }, delayMs);
    },
  });
  return { out, lines };
}

const call = (args: unknown = { password: "hunter2" }) => ({
  method: "tools/call",
  params: { name: "alpha_echo", arguments: args as Record<string, unknown> },
  identity: { subject: "alice", issuer: "https://idp", claims: {}, token: "eyJ.secret.token" },
  backend: "alpha",
  decision: "allow" as const,
  outcome: "ok",
  durationMs: 1.5,
  time: new Date(0),
});

describe("audit sink", () => {
  it("holds at most the bound while the disk is slow, counts every drop and loses nothing it accepted", async () => {
    const disk = slowDisk(2);
    const w = new BoundedLineWriter(disk.out, 50);
    let accepted = 0;
    let maxQueued = 0;
    for (let i = 0; i < 5_000; i++) {
      if (w.write(`${i}\n`)) accepted++;
      maxQueued = Math.max(maxQueued, w.queued);
    }
    expect(maxQueued).toBeLessThanOrEqual(50);
    expect(w.dropped).toBe(5_000 - accepted);
    expect(w.dropped).toBeGreaterThan(4_000);
    await w.close();
    expect(disk.lines.length).toBe(accepted);
  });

  it("an event names who, what and the outcome, never the token, and no argument values by default", () => {
    const ev = auditEvent(AuditConfigSchema.parse({}), "vmcp-demo", call());
    expect(ev).toEqual({
      type: "audit",
      event_type: "mcp_tool_call",
      component: "vmcp-demo",
      time: "1970-01-01T00:00:00.000Z",
      subject: "alice",
      issuer: "https://idp",
      method: "tools/call",
      tool: "alpha_echo",
      backend: "alpha",
      decision: "allow",
      outcome: "ok",
      duration_ms: 1.5,
    });
    expect(JSON.stringify(ev)).not.toMatch(/hunter2|secret\.token/);
  });

  it("include_request_data keeps arguments truncated to max_data_size bytes", () => {
    const cfg = AuditConfigSchema.parse({ include_request_data: true, max_data_size: 10 });
    expect(auditEvent(cfg, "c", call({ text: "0123456789abcdef" })).request_data).toBe('{"text":"0');
  });

  it("event_types and exclude_event_types select what is written; exclude wins", async () => {
    const disk = slowDisk(0);
    const cfg = AuditConfigSchema.parse({
      event_types: ["mcp_tool_call", "mcp_ping"],
      exclude_event_types: ["mcp_ping"],
    });
    const a = createAuditor(cfg, { component: "c", log: silentLogger(), out: disk.out });
    a?.record(call());
    a?.record({ ...call(), method: "ping" });
    a?.record({ ...call(), method: "tools/list" });
    await a?.close();
    expect(disk.lines.map((l) => JSON.parse(l).event_type)).toEqual(["mcp_tool_call"]);
  });

  it("enabled: false turns auditing off", () => {
    expect(
      createAuditor(AuditConfigSchema.parse({ enabled: false }), { component: "c", log: silentLogger() }),
    ).toBe(undefined);
  });
});

describe("audit file that cannot be written", () => {
  it("does not stop the gateway: the error is logged once and events are counted as dropped", async () => {
    const errors: string[] = [];
    const log = { ...silentLogger(), error: (o: { err: string }) => errors.push(o.err) } as unknown as Logger;
    const a = createAuditor(
      AuditConfigSchema.parse({ log_file: "/proc/vmcp-audit-cannot-exist/audit.jsonl" }),
      {
        component: "c",
        log,
      },
    );
    a?.record(call());
    await new Promise((r) => setTimeout(r, 50));
    a?.record(call());
    await a?.close();
    expect(errors).toHaveLength(1);
    expect(a?.dropped).toBe(2);
  });
});
