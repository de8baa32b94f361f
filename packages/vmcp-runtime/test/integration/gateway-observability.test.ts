// What an operator reads: with debug logging one line per request (method, tool, backend,
// duration, outcome; never arguments); aggregation warnings in the log (standalone mode has no
// CRD status to carry them); no "composite tools not advertised" warning while the first listing
// is still running; a composite shadowed by a backend tool is reported; tools/list sorted by name,
// composites included. A real SDK backend, the in-process gateway.
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLogger } from "../../src/logger.ts";
import { type StartedBackend, startBackend } from "../fixtures/backend.ts";
import { FEATURE_CAPABILITIES, registerFeatures } from "../fixtures/features.ts";
import { connectClient, type StartedGateway, startGateway, textOf, until } from "../fixtures/gateway.ts";

const ARG_SECRET = "argument-value-3e9d1c";
let backend: StartedBackend;
let gw: StartedGateway;
const lines: Record<string, unknown>[] = [];
/** Everything logged up to the first test (start-up and the first listing). */
let startupLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  backend = await startBackend({ name: "b", register: registerFeatures, capabilities: FEATURE_CAPABILITIES });
  const destination = new PassThrough();
  destination.on("data", (d: Buffer) => {
    for (const l of d.toString().split("\n")) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  gw = await startGateway([{ name: "b", url: backend.url }], {
    log: createLogger({ debug: true, destination }),
    aggregation: {
      conflictResolution: "prefix",
      conflictResolutionConfig: { prefixFormat: "{workload}_" },
      tools: [{ workload: "nosuch", filter: ["x"] }],
    },
    compositeTools: [
      {
        name: "aaa_relay",
        description: "sorts before b_*",
        steps: [{ id: "s", tool: "b_echo", arguments: { text: "{{.params.text}}" } }],
      },
      {
        name: "b_echo",
        description: "shadowed by the backend tool of the same name",
        steps: [{ id: "s", tool: "b_echo", arguments: { text: "x" } }],
      },
    ],
  });
  startupLines = lines;
});
afterAll(async () => {
  await gw?.close();
  await backend?.close();
});

it("logs one debug line per request with method, tool, backend, duration and outcome, never the arguments", async () => {
  const from = lines.length;
  const client = await connectClient(gw.url);
  expect(textOf(await client.callTool({ name: "b_echo", arguments: { text: ARG_SECRET } }))).toBe(
    `b:${ARG_SECRET}`,
  );
  await client.close();
  const mine = lines.slice(from);
  const requests = mine.filter((l) => l.msg === "request" && l.method === "tools/call");
  expect(requests).toHaveLength(1);
  expect(requests[0]).toMatchObject({ method: "tools/call", tool: "b_echo", backend: "b", outcome: "ok" });
  expect(typeof requests[0]?.durationMs).toBe("number");
  expect(mine.filter((l) => l.msg === "request").map((l) => l.method)).toContain("initialize");
  expect(JSON.stringify(lines)).not.toContain(ARG_SECRET);
});

it("tools/list is sorted by name with the composites among the backend tools", async () => {
  const client = await connectClient(gw.url);
  const names = (await client.listTools()).tools.map((t) => t.name);
  await client.close();
  expect(names).toContain("aaa_relay");
  expect(names).toEqual([...names].sort());
  expect(names[0]).toBe("aaa_relay");
});

it("logs aggregation warnings and the shadowed composite, and no composite warning before the first listing", async () => {
  const startup = await until(
    () =>
      startupLines.some((l) => l.msg === "some composite tools are not advertised")
        ? startupLines
        : undefined,
    "the composite report",
  );
  const aggregation = startup.find((l) => l.msg === "aggregation warnings");
  expect(JSON.stringify(aggregation?.warnings)).toContain('workload \\"nosuch\\" matches no backend');
  const reports = startup.filter((l) => l.msg === "some composite tools are not advertised");
  expect(reports).toHaveLength(1);
  expect(reports[0]?.problems).toEqual([
    'composite tool "b_echo" not advertised: its name collides with a backend tool',
  ]);
  expect(JSON.stringify(startup)).not.toContain("unknown tool");
  // The backend tool keeps the name; the composite is listed as a problem in /status too.
  const status = gw.gateway.status();
  expect(status.compositeToolProblems).toEqual([
    'composite tool "b_echo" not advertised: its name collides with a backend tool',
  ]);
  const client = await connectClient(gw.url);
  expect(textOf(await client.callTool({ name: "b_echo", arguments: { text: "mine" } }))).toBe("b:mine");
  await client.close();
});
