// B real SDK backends (Streamable HTTP, JSON answers, one port each) with T tools each, in one
// process, for bench/scale. Prints {"urls":[...]} once all listen.
import { type StartedBackend, startBackend } from "../../packages/vmcp-runtime/test/fixtures/backend.ts";
import { registerManyTools } from "../../packages/vmcp-runtime/test/fixtures/features.ts";

const B = Number(process.env.SCALE_BACKENDS ?? 10);
const T = Number(process.env.SCALE_TOOLS ?? 50);

const backends: StartedBackend[] = [];
for (let b = 0; b < B; b++) {
  backends.push(
    await startBackend({
      name: `b${b}`,
      jsonResponse: true,
      register: registerManyTools(T),
    }),
  );
}
process.stdout.write(`${JSON.stringify({ urls: backends.map((b) => b.url) })}\n`);
process.on("SIGTERM", () => void Promise.all(backends.map((b) => b.close())).then(() => process.exit(0)));
