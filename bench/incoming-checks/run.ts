// CPU cost of the checks every /mcp POST now passes before it is forwarded: the JSON nesting scan
// over the body bytes and the Origin/Host check, on the body the proxy-overhead bench sends (a
// tools/call with a 1 KiB argument) and on an 8 MiB body. In-process, one core, CPU time per
// call. Usage: node bench/incoming-checks/run.ts [--rounds 5]
import { DepthScanner } from "../../packages/vmcp-runtime/src/server/body.ts";
import { checkOrigin, originPolicy } from "../../packages/vmcp-runtime/src/server/origin.ts";
import { benchArgs } from "../helpers/args.ts";

const { values } = benchArgs(import.meta.url, { options: { rounds: { type: "string", default: "5" } } });
const ROUNDS = Number(values.rounds);

const call = Buffer.from(
  JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "bench_echo", arguments: { text: "x".repeat(1024) } },
  }),
);
const big = Buffer.from(JSON.stringify({ a: Array.from({ length: 700_000 }, (_, i) => ({ i })) }));
const policy = originPolicy({
  address: "127.0.0.1",
  port: 4483,
  allowedOrigins: ["https://app.example.com"],
});
const headers = { host: "127.0.0.1:4483", origin: "https://app.example.com" };

/** CPU µs per call of `fn`, over enough calls to last ~0.5 s. */
function measure(fn: () => void, calls: number): number {
  for (let i = 0; i < Math.min(calls, 1000); i++) fn();
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

const rows: Array<Record<string, number | string>> = [];
for (let r = 1; r <= ROUNDS; r++) {
  rows.push({
    round: r,
    depthScan1KiBUs: measure(() => new DepthScanner(64).feed(call), 200_000),
    depthScan8MiBMs: measure(() => new DepthScanner(64).feed(big), 20) / 1000,
    originCheckUs: measure(() => checkOrigin(headers, policy), 1_000_000),
  });
}
for (const row of rows)
  console.log(
    `round ${row.round}: depth scan ${call.length} B ${Number(row.depthScan1KiBUs).toFixed(2)} µs, ` +
      `${(big.length / 1024 / 1024).toFixed(1)} MiB ${Number(row.depthScan8MiBMs).toFixed(1)} ms; ` +
      `Origin/Host check ${Number(row.originCheckUs).toFixed(3)} µs`,
  );
console.log(JSON.stringify({ bodyBytes: call.length, bigBytes: big.length, rows }));
