// The benchmarks' backend in its own process: one `echo` tool, SDK McpServer per session,
// Streamable HTTP with JSON responses (BENCH_SSE=1: SSE responses). Prints {"url": ...} once
// listening and stops on SIGTERM.
import { startBackend } from "@vmcp/testenv/mcp-backend";
import { z } from "zod";

const b = await startBackend({
  name: "bench",
  register: (server, ctx) => {
    server.registerTool(
      "echo",
      { description: `echo from ${ctx.name}`, inputSchema: { text: z.string() } },
      async ({ text }) => ({ content: [{ type: "text", text: `${ctx.name}:${text}` }] }),
    );
  },
  jsonResponse: process.env.BENCH_SSE !== "1",
});
process.stdout.write(`${JSON.stringify({ url: b.url })}\n`);
process.on("SIGTERM", () => void b.close().then(() => process.exit(0)));
