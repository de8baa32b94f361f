import { CallToolResultSchema, CreateMessageRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { startBackend } from "../fixtures/backend.ts";
import { FEATURE_CAPABILITIES, registerEcho, registerFeatures } from "../fixtures/features.ts";
import { connectClient, startGateway, textOf, until } from "../fixtures/gateway.ts";
import { makePrivateCa } from "../fixtures/tls.ts";

describe("backend transports", () => {
  it("serves a legacy HTTP+SSE backend: listing, calls, progress and sampling", async () => {
    const legacy = await startBackend({
      name: "legacy",
      register: registerFeatures,
      transport: "sse",
      capabilities: FEATURE_CAPABILITIES,
    });
    const modern = await startBackend({ name: "modern", register: registerEcho });
    const gw = await startGateway([
      { name: "legacy", url: legacy.url, transport: "sse" },
      { name: "modern", url: modern.url },
    ]);
    const client = await connectClient(gw.url, { sampling: {} }, (c) =>
      c.setRequestHandler(CreateMessageRequestSchema, async () => ({
        role: "assistant",
        content: { type: "text", text: "via sse" },
        model: "m",
      })),
    );
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain("legacy_echo");
      expect(names).toContain("modern_echo");
      expect(textOf(await client.callTool({ name: "legacy_echo", arguments: { text: "old" } }))).toBe(
        "legacy:old",
      );
      expect(
        (await client.callTool({ name: "legacy_add", arguments: { a: 1, b: 2 } })).structuredContent,
      ).toEqual({ sum: 3 });
      const progress: number[] = [];
      const r = await client.request(
        { method: "tools/call", params: { name: "legacy_progress", arguments: { steps: 2 } } },
        CallToolResultSchema,
        { onprogress: (p) => progress.push(p.progress) },
      );
      expect(textOf(r)).toBe("done 2");
      expect(progress).toEqual([1, 2]);
      expect(textOf(await client.callTool({ name: "legacy_sample", arguments: { prompt: "hi" } }))).toBe(
        "model said: via sse (m)",
      );
      expect(textOf(await client.callTool({ name: "modern_echo", arguments: { text: "new" } }))).toBe(
        "modern:new",
      );
    } finally {
      await client.close();
      await gw.close();
      await legacy.close();
      await modern.close();
    }
  });

  it("reaches a TLS backend whose certificate is signed by a private CA from caBundlePath", async () => {
    const ca = await makePrivateCa();
    const secure = await startBackend({
      name: "secure",
      register: registerEcho,
      tls: { key: ca.key, cert: ca.cert },
    });
    const withCa = await startGateway([{ name: "secure", url: secure.url, caBundlePath: ca.caPath }]);
    const withoutCa = await startGateway([{ name: "secure", url: secure.url }], {
      partialFailureMode: "best_effort",
    });
    const client = await connectClient(withCa.url);
    try {
      expect(secure.url.startsWith("https://")).toBe(true);
      expect(textOf(await client.callTool({ name: "secure_echo", arguments: { text: "tls" } }))).toBe(
        "secure:tls",
      );
      // Without the CA bundle the certificate is rejected and the backend is reported unhealthy.
      const s = await until(
        () => withoutCa.gateway.status().backends.find((b) => b.health === "unhealthy"),
        "TLS failure",
      );
      expect(s.message).toMatch(/certificate|self[- ]signed|issuer/i);
    } finally {
      await client.close();
      await withCa.close();
      await withoutCa.close();
      await secure.close();
      await ca.cleanup();
    }
  });
});
