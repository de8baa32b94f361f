// The benchmark's backend in its own process: one `echo` tool, SDK McpServer per session,
// Streamable HTTP with JSON responses (as in reference/performance-notes.md).
import { startBackend } from "../../packages/vmcp-runtime/test/fixtures/backend.ts";
import { registerEcho } from "../../packages/vmcp-runtime/test/fixtures/features.ts";

const b = await startBackend({
  name: "bench",
  register: registerEcho,
  jsonResponse: process.env.BENCH_SSE !== "1",
});
process.stdout.write(`${JSON.stringify({ url: b.url })}\n`);
process.on("SIGTERM", () => void b.close().then(() => process.exit(0)));
