// Start-up with many backends aggregates the catalog once their listings settle, not once per
// listing (B listings used to cost B full aggregations: O(B^2 * T) before the first tools/list).
import { afterAll, describe, expect, it } from "vitest";
import { aggregate } from "../../../src/aggregation/aggregate.ts";
import { silentLogger } from "../../../src/logger.ts";
import { BackendRegistry } from "../../../src/registry/registry.ts";
import { buildBackendStages } from "../../../src/runtime/stages.ts";
import { Gateway } from "../../../src/server/gateway.ts";
import type { AggregateView } from "../../../src/server/types.ts";
import { type StartedBackend, startBackend } from "../../fixtures/backend.ts";
import { registerManyTools } from "../../fixtures/features.ts";
import { connectClient, noAuth, specOf } from "../../fixtures/gateway.ts";

const B = 8;
const T = 5;

describe("start-up aggregation", () => {
  const backends: StartedBackend[] = [];
  let gateway: Gateway | undefined;
  afterAll(async () => {
    await gateway?.close();
    await Promise.all(backends.map((b) => b.close()));
  });

  it("aggregates 8 backends' initial listings together, and the first tools/list has them all", async () => {
    for (let i = 0; i < B; i++)
      backends.push(await startBackend({ name: `b${i}`, register: registerManyTools(T) }));
    const registry = new BackendRegistry();
    registry.replaceAll(backends.map((b) => specOf({ name: b.name, url: b.url })));
    let aggregations = 0;
    const { catalog, health } = buildBackendStages({
      registry,
      outgoingAuth: () => noAuth,
      log: silentLogger(),
      aggregate: (caps) => {
        aggregations++;
        return aggregate(caps, {
          conflictResolution: "prefix",
          conflictResolutionConfig: { prefixFormat: "{workload}_" },
        }) as AggregateView;
      },
    });
    gateway = new Gateway({ name: "batch", catalog, health });
    const { url } = await gateway.start("127.0.0.1", 0);
    // Once at the end, plus at most one interim round if listings took longer than the bound.
    expect(aggregations).toBeLessThanOrEqual(2);
    const client = await connectClient(url);
    try {
      expect((await client.listTools()).tools).toHaveLength(B * T);
    } finally {
      await client.close();
    }
  });
});
