import type { JsonRpcRequest } from "../protocol/jsonrpc.ts";

/** The body with `params.name` changed from `from` to `to` (prefix strategies rename every
 * forwarded call). Re-serialising the whole message costs more than anything else the gateway
 * does in JS per call (the arguments are usually the bulk), so the raw text is edited in place
 * when that is provably the same edit:
 * - the body already parsed as JSON, and in valid JSON the raw text `"name":` can only be an
 *   object key (a string cannot contain an unescaped quote, and a string value cannot be followed
 *   by a colon);
 * - without `\u` escapes every key spelled "name" appears literally, so a single literal
 *   `"name"` in the body is the key of params.name (which exists: the caller read it);
 * - the value must follow in compact form with the exact spelling JSON.stringify gives it.
 * Anything else (spaces, escapes, duplicate keys, a second "name" anywhere) is re-serialised. */
export function renameParam(body: string, msg: JsonRpcRequest, from: string, to: string): string {
  const at = body.indexOf('"name"');
  if (at !== -1 && body.indexOf('"name"', at + 1) === -1 && !body.includes("\\u")) {
    const old = `"name":${JSON.stringify(from)}`;
    if (body.startsWith(old, at))
      return `${body.slice(0, at + 7)}${JSON.stringify(to)}${body.slice(at + old.length)}`;
  }
  return JSON.stringify({ ...msg, params: { ...msg.params, name: to } });
}
