import { VmcpConfigSchema } from "@vmcp/shared-types";

/** A standalone config with one static backend that is never dialled by these tests. */
export const config = VmcpConfigSchema.parse({
  name: "v",
  groupRef: "g",
  incomingAuth: { type: "anonymous" },
  outgoingAuth: { source: "inline" },
  backends: [{ name: "a", url: "http://127.0.0.1:9/mcp", transport: "streamable-http" }],
});
