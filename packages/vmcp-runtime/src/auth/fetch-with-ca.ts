import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { Agent, fetch as undiciFetch } from "undici";

/**
 * A fetch that trusts the system roots plus a private CA bundle (an in-cluster IdP with a private
 * CA is the usual case). The file is read once, at construction, so a missing file fails startup.
 */
export function fetchWithCaBundle(caBundlePath: string): typeof fetch {
  const ca = [...rootCertificates, readFileSync(caBundlePath, "utf8")];
  const dispatcher = new Agent({ connect: { ca } });
  return ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher,
    })) as unknown as typeof fetch;
}
