// B real SDK backends (Streamable HTTP, JSON answers, one port each) with T tools each, in one
// process, for bench/scale. Prints {"urls":[...]} once all listen. Counts what a health check
// costs a backend (a new session, or a ping): a line "probes" on stdin is answered with
// {"probes":[ms since epoch, ...]} of those since the last such line.

import { createInterface } from "node:readline";
import { PingRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { type StartedBackend, startBackend } from "../../packages/vmcp-runtime/test/fixtures/backend.ts";
import { registerManyTools } from "../../packages/vmcp-runtime/test/fixtures/features.ts";

const B = Number(process.env.SCALE_BACKENDS ?? 10);
const T = Number(process.env.SCALE_TOOLS ?? 50);
/** Bounded: at most this many timestamps are kept between two reads. */
const MAX_PROBES = 100_000;

let probes: number[] = [];
const seen = () => {
  if (probes.length < MAX_PROBES) probes.push(Date.now());
};
const tools = registerManyTools(T);
const backends: StartedBackend[] = [];
for (let b = 0; b < B; b++) {
  backends.push(
    await startBackend({
      name: `b${b}`,
      jsonResponse: true,
      // Called once per session the backend opens.
      register: (server, ctx) => {
        seen();
        tools(server, ctx);
        server.server.setRequestHandler(PingRequestSchema, () => {
          seen();
          return {};
        });
      },
    }),
  );
}
process.stdout.write(`${JSON.stringify({ urls: backends.map((b) => b.url) })}\n`);
createInterface({ input: process.stdin }).on("line", (l) => {
  if (l.trim() !== "probes") return;
  process.stdout.write(`${JSON.stringify({ probes })}\n`);
  probes = [];
});
process.on("SIGTERM", () => void Promise.all(backends.map((b) => b.close())).then(() => process.exit(0)));
