// The kit's HTTP client and informer against the real API server. A hostile proxy in front of it
// hands the watch stream on one byte per network write, so chunks end inside multibyte UTF-8
// characters; the cached object must still hold the exact string. And a long-lived signal shared
// by many requests must not collect one abort listener per request.
import { getEventListeners } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { kubeRequest, openRequest } from "@vmcp/kube-kit/http";
import { Informer } from "@vmcp/kube-kit/informer";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configMap, create, eventually } from "./helpers.ts";

type CM = { metadata: { name: string; namespace?: string }; data?: Record<string, string> };

const admin = testKubeConfig();
let ns: TestNamespace;
let proxy: Server;
let viaProxy: KubeConfig;

/** Forwards every request to the API server; watch bodies go out one byte per write. */
function startSplittingProxy(): Promise<Server> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    const query = Object.fromEntries(url.searchParams);
    try {
      const up = await openRequest(admin, { method: "GET", path: url.pathname, query });
      res.writeHead(up.statusCode ?? 502, { "content-type": "application/json" });
      res.socket?.setNoDelay(true);
      for await (const chunk of up) {
        if (query.watch !== "true") {
          res.write(chunk);
          continue;
        }
        for (const byte of chunk as Buffer) {
          res.write(Buffer.of(byte));
          await new Promise((r) => setImmediate(r));
        }
      }
      res.end();
    } catch {
      res.destroy();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

beforeAll(async () => {
  ns = await createNamespace(admin, "kit-streams");
  proxy = await startSplittingProxy();
  viaProxy = new KubeConfig();
  viaProxy.loadFromOptions({
    // plain HTTP on loopback (the client library wants skipTLSVerify said out loud for that)
    clusters: [
      {
        name: "proxy",
        server: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: "anyone" }],
    contexts: [{ name: "proxy", cluster: "proxy", user: "anyone" }],
    currentContext: "proxy",
  });
});

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((r) => proxy?.close(r));
  await ns?.delete();
});

describe("kit streams", () => {
  it("a watch stream split inside multibyte characters yields the exact string", async () => {
    const inf = new Informer<CM>({
      kc: viaProxy,
      group: "",
      version: "v1",
      plural: "configmaps",
      namespace: ns.name,
      backoff: { initialMs: 100, maxMs: 1000 },
    });
    await inf.start();
    try {
      // Two-, three- and four-byte characters: a Greek name, a Japanese description, an emoji.
      const text = "Ωμέγα — 日本語の説明 🙂🚀 ".repeat(8);
      await create(admin, configMap(ns.name, "multibyte", { description: text }));
      const got = await eventually(() => inf.get(ns.name, "multibyte"), "the watch event");
      expect(got.data?.description).toBe(text);
      expect(got.data?.description).not.toContain("\uFFFD");
    } finally {
      await inf.stop();
    }
  });

  it("leaves no abort listener behind: flat after 1,000 requests on one signal", async () => {
    const lifetime = new AbortController();
    const listeners = () => getEventListeners(lifetime.signal, "abort").length;
    const before = listeners();
    for (let i = 0; i < 1000; i++) {
      await kubeRequest(admin, {
        method: "GET",
        path: `/api/v1/namespaces/${ns.name}/configmaps`,
        query: { limit: 1 },
        signal: lifetime.signal,
      });
    }
    expect(listeners()).toBe(before);
    // still wired: aborting the signal stops a request in flight
    const pending = kubeRequest(admin, {
      method: "GET",
      path: `/api/v1/namespaces/${ns.name}/configmaps`,
      query: { watch: true, timeoutSeconds: 30 },
      signal: lifetime.signal,
    });
    lifetime.abort();
    await expect(pending).rejects.toThrow(/abort/i);
  });
});
