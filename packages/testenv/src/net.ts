import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer, type Server } from "node:net";

/**
 * n distinct free loopback ports. All listeners stay open until every port is picked so the
 * kernel cannot hand out the same one twice; a race with another process remains possible, which
 * the caller handles by retrying on "address already in use".
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", resolve);
      });
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("no port assigned");
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

export type TlsClient = { ca: string; cert?: string; key?: string };

/** GET url; resolves with status and body, never rejects on HTTP errors (only on transport). */
export function get(
  url: string,
  tls?: TlsClient,
  timeoutMs = 2_000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const opts = { method: "GET", timeout: timeoutMs, agent: false as const, ...(tls ?? {}) };
    const req = (u.protocol === "https:" ? httpsRequest : httpRequest)(u, opts, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** Polls `check` until it returns true; `fail` lets the caller abort early (e.g. the process died). */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; fail?: () => Error | null },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError = "";
  for (;;) {
    const failure = opts.fail?.();
    if (failure) throw failure;
    try {
      if (await check()) return;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${opts.timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}
