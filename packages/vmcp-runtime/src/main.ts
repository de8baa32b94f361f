#!/usr/bin/env node
import { cliErrorLine } from "@vmcp/shared-types";
import { runCli } from "./cli.ts";

try {
  process.exitCode = await runCli(process.argv.slice(2));
} catch (err) {
  // A runtime failure (port in use, unreadable file): one line, and exit even if timers remain.
  process.stderr.write(`${cliErrorLine("vmcp", err)}\n`);
  process.exit(1);
}
