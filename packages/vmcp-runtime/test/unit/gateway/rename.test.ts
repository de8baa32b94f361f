import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JsonRpcRequest } from "../../../src/protocol/jsonrpc.ts";
import { renameParam } from "../../../src/server/rename.ts";

const rename = (body: string, to: string) => {
  const msg = JSON.parse(body) as JsonRpcRequest;
  return JSON.parse(renameParam(body, msg, msg.params?.name as string, to));
};
const expected = (body: string, to: string) => {
  const msg = JSON.parse(body) as JsonRpcRequest;
  return { ...msg, params: { ...msg.params, name: to } };
};

describe("renameParam (tool/prompt name rewrite on the forward path)", () => {
  it("changes only params.name, whatever the arguments and the formatting", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.jsonValue(),
        fc.constantFrom(undefined, 1, "\t"),
        (from, to, args, indent) => {
          const body = JSON.stringify(
            { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: from, arguments: args } },
            null,
            indent,
          );
          expect(rename(body, to)).toEqual(expected(body, to));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("is not fooled by another 'name' key holding the same value", () => {
    const spaced =
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name" : "a_echo","arguments":{"name":"a_echo"}}}';
    expect(rename(spaced, "echo")).toEqual(expected(spaced, "echo"));
    const escaped =
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"n\\u0061me":"a_echo","arguments":{"name":"a_echo"}}}';
    expect(rename(escaped, "echo")).toEqual(expected(escaped, "echo"));
    const duplicate =
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a_echo","name":"a_echo"}}';
    expect(rename(duplicate, "echo")).toEqual(expected(duplicate, "echo"));
  });

  it("edits the raw text in place in the common compact case", () => {
    const body =
      '{"method":"tools/call","params":{"name":"a_echo","arguments":{"text":"x"}},"jsonrpc":"2.0","id":5}';
    const msg = JSON.parse(body) as JsonRpcRequest;
    expect(renameParam(body, msg, "a_echo", "echo")).toBe(
      '{"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}},"jsonrpc":"2.0","id":5}',
    );
  });
});
