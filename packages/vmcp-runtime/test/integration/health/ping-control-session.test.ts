// Active health checks of a backend the catalog already holds a control session with are pings on
// that session: once it is set up, however many checks run, the backend opens no other session.
import { PingRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, expect, it, vi } from "vitest";
import { type StartedBackend, startBackend } from "../../fixtures/backend.ts";
import { registerManyTools } from "../../fixtures/features.ts";
import { type StartedGateway, startGateway } from "../../fixtures/gateway.ts";

let backend: StartedBackend | undefined;
let gw: StartedGateway | undefined;
afterAll(async () => {
  await gw?.close();
  await backend?.close();
});

it("checks a listed backend with pings on its control session, opening no session per check", async () => {
  let sessions = 0;
  let pings = 0;
  const tools = registerManyTools(3);
  backend = await startBackend({
    name: "alpha",
    register: (server, ctx) => {
      sessions++;
      tools(server, ctx);
      server.server.setRequestHandler(PingRequestSchema, () => {
        pings++;
        return {};
      });
    },
  });
  gw = await startGateway([{ name: "alpha", url: backend.url }], {
    health: { intervalMs: 100, timeoutMs: 2_000, unhealthyThreshold: 3 },
  });
  // A check that comes due before the first listing has set up the control session opens its own.
  await vi.waitFor(() => expect(pings).toBeGreaterThanOrEqual(1), { timeout: 30_000, interval: 20 });
  const settled = sessions;
  await vi.waitFor(() => expect(pings).toBeGreaterThanOrEqual(6), { timeout: 30_000, interval: 20 });
  expect(sessions).toBe(settled);
  const status = (await (await fetch(`${gw.base}/status`)).json()) as {
    backends: Array<{ name: string; health: string }>;
  };
  expect(status.backends.find((b) => b.name === "alpha")?.health).toBe("healthy");
});
