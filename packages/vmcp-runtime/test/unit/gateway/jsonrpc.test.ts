import { describe, expect, it } from "vitest";
import { classify, errorResponse, idKey } from "../../../src/protocol/jsonrpc.ts";

describe("classify", () => {
  it("tells requests, notifications and responses apart", () => {
    expect(classify({ jsonrpc: "2.0", id: 1, method: "ping" }).kind).toBe("request");
    expect(classify({ jsonrpc: "2.0", method: "notifications/initialized" }).kind).toBe("notification");
    expect(classify({ jsonrpc: "2.0", id: "a", result: {} }).kind).toBe("response");
    expect(classify({ jsonrpc: "2.0", id: null, error: { code: -1, message: "x" } }).kind).toBe("response");
  });

  it("explains what is wrong with invalid messages and keeps a usable id", () => {
    expect(classify([1])).toMatchObject({ kind: "invalid", id: null });
    expect(classify({ jsonrpc: "1.0", id: 3, method: "x" })).toMatchObject({
      kind: "invalid",
      id: 3,
      reason: expect.stringContaining("jsonrpc"),
    });
    expect(classify({ jsonrpc: "2.0", id: 3, method: "x", params: [1] })).toMatchObject({
      kind: "invalid",
      reason: expect.stringContaining("params"),
    });
    expect(classify({ jsonrpc: "2.0", id: true, method: "x" })).toMatchObject({ kind: "invalid" });
    expect(classify({ jsonrpc: "2.0", id: 1 })).toMatchObject({ kind: "invalid" });
  });

  it("keeps numeric and string ids distinct", () => {
    expect(idKey(1)).not.toBe(idKey("1"));
    expect(JSON.parse(errorResponse(7, -32601, "nope"))).toEqual({
      jsonrpc: "2.0",
      id: 7,
      error: { code: -32601, message: "nope" },
    });
  });
});
