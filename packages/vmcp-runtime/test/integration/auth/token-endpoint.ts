import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface TokenRequest {
  headers: IncomingHttpHeaders;
  form: Record<string, string>;
}

/** A token endpoint on 127.0.0.1 that records each request and answers with `respond`. */
export async function startTokenEndpoint() {
  const requests: TokenRequest[] = [];
  let counter = 0;
  const state = {
    respond: (_req: TokenRequest, n: number): { status: number; body: string; contentType?: string } => ({
      status: 200,
      body: JSON.stringify({
        access_token: `exchanged-${n}`,
        issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
        token_type: "Bearer",
        expires_in: 300,
      }),
    }),
  };
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      body += c;
    });
    req.on("end", () => {
      const rec = { headers: req.headers, form: Object.fromEntries(new URLSearchParams(body)) };
      requests.push(rec);
      const out = state.respond(rec, ++counter);
      res.writeHead(out.status, { "content-type": out.contentType ?? "application/json" });
      res.end(out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  return {
    url,
    requests,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
