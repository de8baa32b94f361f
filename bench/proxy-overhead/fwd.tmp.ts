import { createServer } from "node:http";
import { Pool } from "undici";
const target = new URL(process.argv[2]!);
const pool = new Pool(target.origin, { connections: 256 });
const streams = new Pool(target.origin, { bodyTimeout: 0 });
const srv = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const headers: Record<string, string> = {};
  for (const h of ["mcp-session-id", "mcp-protocol-version", "accept", "content-type"]) {
    const v = req.headers[h];
    if (typeof v === "string") headers[h] = v;
  }
  const r = await (req.method === "GET" ? streams : pool).request({ path: target.pathname, method: req.method as "POST", headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
  const out: Record<string, string> = {};
  for (const h of ["content-type", "mcp-session-id"]) { const v = r.headers[h]; if (typeof v === "string") out[h] = v; }
  res.writeHead(r.statusCode, out);
  for await (const c of r.body) res.write(c);
  res.end();
});
srv.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ url: `http://127.0.0.1:${(srv.address() as {port:number}).port}/mcp` })));
