// The gateway's HTTP/1.1 pool retries exactly when it is safe, exercised deterministically: a
// kept-alive socket the server drops on our next request (nothing answered) is retried once on a
// fresh socket; a fresh socket dropped the same way is not retried (a POST is never sent twice).
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, expect, it } from "vitest";
import { H1Pool } from "../../src/backends/h1-pool.ts";

let server: Server | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** Raw server: `onRequest(conn, nth)` answers with a body, or returns undefined to drop the socket unanswered. */
async function rawServer(onRequest: (conn: number, nth: number) => string | undefined): Promise<string> {
  let conns = 0;
  server = createServer((socket) => {
    const conn = ++conns;
    let nth = 0;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let buf = "";
    socket.on("data", (d) => {
      buf += d.toString("latin1");
      const end = buf.indexOf("\r\n\r\n");
      const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (end === -1 || buf.length < end + 4 + len) return;
      buf = buf.slice(end + 4 + len);
      const body = onRequest(conn, ++nth);
      if (body === undefined) socket.destroy();
      else socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    });
  });
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const post = { method: "POST" as const, path: "/mcp", headers: {}, body: "{}", timeoutMs: 2_000 };

it("retries once on a fresh socket when a reused socket is dropped before any answer", async () => {
  const seen: string[] = [];
  const origin = await rawServer((conn, nth) => {
    seen.push(`c${conn}r${nth}`);
    return conn === 1 && nth === 2 ? undefined : `c${conn}r${nth}`;
  });
  const pool = new H1Pool(origin);
  try {
    expect((await pool.request(post)).body?.toString()).toBe("c1r1");
    expect((await pool.request(post)).body?.toString()).toBe("c2r1");
    // The second request really went out on the kept-alive socket first, then once more.
    expect(seen).toEqual(["c1r1", "c1r2", "c2r1"]);
  } finally {
    pool.close();
  }
});

it("does not retry a request dropped on a fresh socket", async () => {
  const seen: string[] = [];
  const origin = await rawServer((conn, nth) => {
    seen.push(`c${conn}r${nth}`);
    return undefined;
  });
  const pool = new H1Pool(origin);
  try {
    await expect(pool.request(post)).rejects.toMatchObject({ code: "UND_ERR_SOCKET" });
    expect(seen).toEqual(["c1r1"]);
  } finally {
    pool.close();
  }
});
