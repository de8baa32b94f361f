#!/usr/bin/env node
// The package's `vmcp` command. It runs the esbuild bundle (dist/vmcp.mjs, `pnpm run
// build:bundle`) when one is built and no source it was built from has changed since, and the
// TypeScript sources otherwise, so a stale bundle never answers for edited sources. The bundle
// starts several times faster (docs/performance.md); `node packages/vmcp-runtime/src/main.ts`
// always runs the sources. Plain JavaScript: Node does not strip types under node_modules, where
// an installed package's bin lives.
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { vmcpEntry } from "./vmcp-entry.mjs";

await import(pathToFileURL(vmcpEntry(join(dirname(fileURLToPath(import.meta.url)), ".."))).href);
