import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readdress } from "../../../src/backends/session-protocol.ts";

// -0 on purpose: JSON has one zero, so a message carrying -0 (as an id or anywhere in its result)
// reaches the other side as 0, and that is the only thing the gateway may do to it.
const id = fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.constant(-0), fc.string({ maxLength: 12 }));
const message = fc.record({
  jsonrpc: fc.constant("2.0"),
  id,
  result: fc.jsonValue(),
});

describe("readdress", () => {
  it("changes only the top-level id, whatever the message holds and however it is spelled", () => {
    fc.assert(
      fc.property(message, id, fc.boolean(), fc.boolean(), (msg, to, spaced, idFirst) => {
        const ordered = idFirst ? { id: msg.id, jsonrpc: msg.jsonrpc, result: msg.result } : msg;
        const text = spaced ? JSON.stringify(ordered, null, 1) : JSON.stringify(ordered);
        const sent = JSON.parse(JSON.stringify({ ...msg, id: to })) as unknown;
        expect(JSON.parse(readdress(text, msg.id, to))).toEqual(sent);
      }),
      { numRuns: 500 },
    );
  });

  it("edits in place when the id is the only one, and tells 5 from 50", () => {
    const text = '{"jsonrpc":"2.0","id":50,"result":{"content":[]}}';
    expect(readdress(text, 50, "vmcp-1")).toBe('{"jsonrpc":"2.0","id":"vmcp-1","result":{"content":[]}}');
    expect(JSON.parse(readdress('{"id":50,"result":{"id":5}}', 50, 7))).toEqual({ id: 7, result: { id: 5 } });
  });

  it("gives a client that sent id -0 its answer as id 0, the same JSON number", () => {
    const asked = JSON.parse('{"jsonrpc":"2.0","id":-0,"method":"ping"}') as { id: number };
    const answer = readdress('{"jsonrpc":"2.0","id":"vmcp-9","result":{}}', "vmcp-9", asked.id);
    expect(answer).toBe('{"jsonrpc":"2.0","id":0,"result":{}}');
  });
});
