// The version each client is answered with. The proxy initialises the server once, with the
// newest version it knows, and the server picks what it speaks: that is the session's version and
// it stays. A client asking for that version or an older one the SDK knows gets its own (MCP's
// rule: a server that supports the requested version answers with it); messages pass unchanged,
// so it may see fields of the newer revision, which clients ignore. A client asking for a newer or
// an unknown version gets the server's, and decides itself whether it can speak it.
import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";

export function negotiateVersion(requested: unknown, serverVersion: string): string {
  if (typeof requested !== "string" || !SUPPORTED_PROTOCOL_VERSIONS.includes(requested)) return serverVersion;
  // Revisions are named by date (YYYY-MM-DD), so the text order is their age order.
  return requested <= serverVersion ? requested : serverVersion;
}

/** Versions a client may name in MCP-Protocol-Version. */
export const knownVersion = (v: string): boolean => SUPPORTED_PROTOCOL_VERSIONS.includes(v);
