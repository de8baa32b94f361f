// What the node's MCPRemoteProxy test puts in front of the proxy pod: a remote MCP server over TLS
// and an OIDC issuer over TLS, each with its own private CA, as processes on the host bound to the
// node's bridge address (the pods' gateway: reachable from every pod, from nothing off the host).
// The remote records every request's headers, so the test sees what the proxy sent it.
import type { IncomingHttpHeaders } from "node:http";
import { API_VERSION } from "@vmcp/shared-types";
import { type StartedBackend, startBackend } from "@vmcp/testenv/mcp-backend";
import { NODE_NETWORK } from "../../packages/testenv/src/node-config.ts";
import { generatePki } from "../../packages/testenv/src/pki.ts";
import { registerEcho } from "../../packages/vmcp-runtime/test/fixtures/features.ts";
import { type LocalIdp, startLocalIdp } from "../../packages/vmcp-runtime/test/integration/auth/local-idp.ts";
import type { KubeObject } from "../harness/kube.ts";

export const TLS_PROXY = "crm-tls";
export const TLS_PROXY_AUDIENCE = "crm-proxy";

export interface TlsRemoteWorld {
  remote: StartedBackend;
  idp: LocalIdp;
  /** Headers of every request that reached the remote. */
  seen: IncomingHttpHeaders[];
  /** The ConfigMaps, the MCPOIDCConfig and the MCPRemoteProxy, in apply order. */
  objects(ns: string): KubeObject[];
  stop(): Promise<void>;
}

export async function startTlsRemoteWorld(): Promise<TlsRemoteWorld> {
  const host = NODE_NETWORK.host;
  // Two CAs: the remote's must not vouch for the issuer, nor the issuer's for the remote.
  const [remotePki, idpPki] = await Promise.all([
    generatePki({ servingIps: [host] }),
    generatePki({ servingIps: [host] }),
  ]);
  const seen: IncomingHttpHeaders[] = [];
  const remote = await startBackend({
    name: "crm",
    register: registerEcho,
    host,
    tls: { cert: remotePki.servingCert, key: remotePki.servingKey },
    onRequest: (req) => seen.push(req.headers),
  });
  const idp = await startLocalIdp({ cert: idpPki.servingCert, key: idpPki.servingKey }, { host }).catch(
    async (e: unknown) => {
      await remote.close();
      throw e;
    },
  );
  const cm = (ns: string, name: string, pem: string): KubeObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: ns },
    data: { "ca.crt": pem },
  });
  return {
    remote,
    idp,
    seen,
    objects: (ns) => [
      cm(ns, "crm-remote-ca", remotePki.servingCa),
      cm(ns, "crm-idp-ca", idpPki.servingCa),
      {
        apiVersion: API_VERSION,
        kind: "MCPOIDCConfig",
        metadata: { name: "crm-idp", namespace: ns },
        spec: {
          type: "inline",
          inline: {
            issuer: idp.issuer,
            jwksUrl: idp.jwksUrl,
            jwksAllowPrivateIP: true,
            caBundleRef: { configMapRef: { name: "crm-idp-ca", key: "ca.crt" } },
          },
        },
      },
      {
        apiVersion: API_VERSION,
        kind: "MCPRemoteProxy",
        metadata: { name: TLS_PROXY, namespace: ns },
        spec: {
          remoteUrl: remote.url,
          allowPrivateEndpoint: true,
          caBundleRef: { configMapRef: { name: "crm-remote-ca" } },
          oidcConfigRef: { name: "crm-idp", audience: TLS_PROXY_AUDIENCE },
        },
      },
    ],
    stop: async () => {
      await Promise.all([remote.close(), idp.close()]);
    },
  };
}
