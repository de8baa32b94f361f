import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

type Key = Awaited<ReturnType<typeof generateKeyPair>>;

/** A tiny OIDC issuer (127.0.0.1 unless told): discovery document + JWKS, and a signer for test tokens. */
export interface LocalIdp {
  issuer: string;
  jwksUrl: string;
  requests: string[];
  sign(
    claims: JWTPayload,
    opts?: { kid?: string; key?: Key; expiresIn?: string | number; alg?: string },
  ): Promise<string>;
  /** A key pair the JWKS does not publish. */
  foreignKey: Key;
  close(): Promise<void>;
}

/**
 * `tls` serves HTTPS with the given serving certificate (for private-CA tests); `host` is the
 * address to listen on (default 127.0.0.1; a node test binds the node's bridge address).
 */
export async function startLocalIdp(
  tls?: { cert: string; key: string },
  opts: { host?: string } = {},
): Promise<LocalIdp> {
  const host = opts.host ?? "127.0.0.1";
  const key = await generateKeyPair("ES256");
  const foreignKey = await generateKeyPair("ES256");
  const jwk: JWK = { ...(await exportJWK(key.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  const requests: string[] = [];
  let issuer = "";
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    requests.push(req.url ?? "");
    res.setHeader("content-type", "application/json");
    if (req.url === "/.well-known/openid-configuration") {
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks`, token_endpoint: `${issuer}/token` }));
    } else if (req.url === "/jwks") {
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  };
  const server: Server = tls ? createTlsServer(tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  issuer = `${tls ? "https" : "http"}://${host}:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    requests,
    foreignKey,
    async sign(claims, opts = {}) {
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: opts.alg ?? "ES256", kid: opts.kid ?? "k1" })
        .setIssuedAt();
      if (opts.expiresIn !== undefined) jwt.setExpirationTime(opts.expiresIn);
      return jwt.sign((opts.key ?? key).privateKey);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
