// "No secret ever logged": the real `vmcp serve --debug` process with a
// header-injection secret from its environment and a client bearer token; the secret reaches the
// backend, and neither value appears anywhere in the process's stdout or stderr. Also shows the
// standalone log StatusReporter at work.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { expect, it } from "vitest";
import { startBackend } from "../../fixtures/backend.ts";
import { FEATURE_CAPABILITIES, registerFeatures } from "../../fixtures/features.ts";
import { textOf, until } from "../../fixtures/gateway.ts";

const MAIN = join(import.meta.dirname, "../../../src/main.ts");
const SECRET = "sekrit-hdr-7c1f02";
const CLIENT_TOKEN = "client-tok-55aa9e";

it("vmcp serve --debug forwards the injected secret but never logs it or the caller's token", async () => {
  const backend = await startBackend({
    name: "b",
    register: registerFeatures,
    capabilities: FEATURE_CAPABILITIES,
  });
  const dir = await mkdtemp(join(tmpdir(), "vmcp-nolog-"));
  const file = join(dir, "config.yaml");
  await writeFile(
    file,
    [
      "name: nolog",
      "groupRef: nolog",
      "backends:",
      "  - name: b",
      `    url: ${backend.url}`,
      "    transport: streamable-http",
      "incomingAuth: { type: anonymous }",
      "outgoingAuth:",
      "  source: inline",
      "  backends:",
      "    b:",
      "      type: header_injection",
      "      headerInjection: { headerName: X-API-Key, headerValueEnv: TOOLHIVE_HEADER_INJECTION_VALUE_B }",
      "",
    ].join("\n"),
  );
  const child = spawn(process.execPath, [MAIN, "serve", "--config", file, "--port", "0", "--debug"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH, TOOLHIVE_HEADER_INJECTION_VALUE_B: SECRET },
  });
  let output = "";
  const collect = (d: Buffer) => {
    output += d.toString();
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  try {
    const servingUrl = () =>
      output
        .split("\n")
        .map((l) => /^\{.*"msg":"vmcp serving".*\}$/.test(l) && (JSON.parse(l) as { url?: string }).url)
        .find((u) => typeof u === "string");
    const url = await until(servingUrl, "vmcp serving", 20_000);
    const client = new Client({ name: "nolog", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${CLIENT_TOKEN}` } },
      }),
    );
    const seen = JSON.parse(textOf(await client.callTool({ name: "b_headers", arguments: {} }))) as Record<
      string,
      string
    >;
    expect(seen["x-api-key"]).toBe(SECRET);
    await client.close();
  } finally {
    child.kill("SIGTERM");
    await exited;
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  }
  expect(output).toContain("vmcp serving"); // the log was captured at all, at debug level
  expect(output).toContain('"level":"debug"');
  // Standalone mode reports status to the log (the log StatusReporter), once per change.
  expect(output).toMatch(/"component":"status".*"msg":"status: Ready \(/);
  expect(output).not.toContain(SECRET);
  expect(output).not.toContain(CLIENT_TOKEN);
});
