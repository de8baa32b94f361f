// Preloaded into the gateway by bench/scale/memory.ts (`--import`): on SIGWINCH, writes
// process.memoryUsage() and the V8 heap spaces to $VMCP_MEMORY_REPORT, after a full GC when
// --expose-gc is given, so the memory outside the JS heap can be told apart from live objects.
import { writeFileSync } from "node:fs";
import { getHeapSpaceStatistics } from "node:v8";

const out = process.env.VMCP_MEMORY_REPORT;
if (out) {
  process.on("SIGWINCH", () => {
    (globalThis as { gc?: () => void }).gc?.();
    const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;
    const mem = Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, mib(v)]));
    const spaces = Object.fromEntries(
      getHeapSpaceStatistics().map((s) => [
        s.space_name,
        { size: mib(s.space_size), used: mib(s.space_used_size) },
      ]),
    );
    writeFileSync(out, JSON.stringify({ mem, spaces }));
  });
}
