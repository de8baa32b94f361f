#!/usr/bin/env node
// The sample MCP backend as a program (the vmcp-sample-backend image): one of the named sample
// tool sets over Streamable HTTP at /mcp, plain or TLS, or over stdio (--stdio), until SIGTERM.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { newSessionServer, startSampleBackend } from "../harness/backend.ts";
import { SAMPLE_TOOLS } from "../harness/sample-tools.ts";

const HELP = `Usage: sample-backend --name <${Object.keys(SAMPLE_TOOLS).join("|")}> [--port 8080] [--host 0.0.0.0] [--tls-dir DIR]
       sample-backend --name <...> --stdio

Serves the named sample tool set over MCP Streamable HTTP at /mcp.
  --tls-dir DIR   serve HTTPS with DIR/tls.crt and DIR/tls.key (a kubernetes.io/tls Secret mount)
  --stdio         serve it over stdio instead (one message per line on stdin/stdout), until stdin ends`;

type Name = keyof typeof SAMPLE_TOOLS;
const isName = (n: string | undefined): n is Name => n !== undefined && Object.hasOwn(SAMPLE_TOOLS, n);

function fail(message: string): never {
  process.stderr.write(`sample-backend: ${message}\n\n${HELP}\n`);
  process.exit(2);
}

let values: {
  name?: string;
  port?: string;
  host?: string;
  "tls-dir"?: string;
  stdio?: boolean;
  help?: boolean;
};
try {
  ({ values } = parseArgs({
    options: {
      name: { type: "string" },
      port: { type: "string", default: "8080" },
      host: { type: "string", default: "0.0.0.0" },
      "tls-dir": { type: "string" },
      stdio: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const name = values.name;
if (!isName(name))
  fail(`--name must be one of ${Object.keys(SAMPLE_TOOLS).join(", ")} (got ${name ?? "nothing"})`);
if (values.stdio) {
  // stdout carries the protocol: nothing else may be written there.
  await newSessionServer({ name, tools: SAMPLE_TOOLS[name] }).connect(new StdioServerTransport());
  process.stderr.write(`sample-backend ${name} serving over stdio\n`);
  for (const s of ["SIGTERM", "SIGINT"] as const) process.once(s, () => process.exit(0));
  process.stdin.once("end", () => process.exit(0));
} else await serveHttp(name);

async function serveHttp(name: Name): Promise<void> {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    fail(`--port must be 1-65535 (got ${values.port})`);
  const host = values.host ?? "0.0.0.0";
  const args = { name, port, host, "tls-dir": values["tls-dir"] };
  const dir = args["tls-dir"];
  const backend = await startSampleBackend({
    name: args.name,
    tools: SAMPLE_TOOLS[args.name],
    port: args.port,
    host: args.host,
    ...(dir
      ? {
          tls: {
            cert: readFileSync(join(dir, "tls.crt"), "utf8"),
            key: readFileSync(join(dir, "tls.key"), "utf8"),
          },
        }
      : {}),
  });
  process.stdout.write(
    `sample-backend ${args.name} listening on ${args.host}:${args.port} (${dir ? "https" : "http"})\n`,
  );
  for (const s of ["SIGTERM", "SIGINT"] as const)
    process.once(s, () => void backend.stop().then(() => process.exit(0)));
}
