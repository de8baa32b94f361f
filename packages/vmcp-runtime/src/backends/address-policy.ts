import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";

/**
 * Which addresses a backend may be dialled at, checked on the address actually connected to (the
 * resolved one), so a name that resolves somewhere else at connect time than at admission (DNS
 * rebinding, `169.254.169.254.nip.io`) is still refused.
 */
export interface AddressPolicy {
  /** The entry's allowPrivateEndpoint: RFC 1918, CGNAT and IPv6 ULA addresses become allowed. */
  allowPrivate: boolean;
  /** Local development and tests (the operator's loopback allowance): 127/8 and ::1 allowed. */
  allowLoopback: boolean;
}

function list(v4: string[], v6: string[]): BlockList {
  const b = new BlockList();
  for (const c of v4) {
    const [net = "", prefix = "32"] = c.split("/");
    b.addSubnet(net, Number(prefix), "ipv4");
  }
  for (const c of v6) {
    const [net = "", prefix = "128"] = c.split("/");
    b.addSubnet(net, Number(prefix), "ipv6");
  }
  return b;
}

// Link-local and cloud metadata addresses (AWS, GCP, Azure: 169.254.169.254; Alibaba:
// 100.100.100.200; AWS IPv6: fd00:ec2::254) and "this network": never a backend.
const BLOCKED = list(
  ["0.0.0.0/8", "169.254.0.0/16", "100.100.100.200/32"],
  ["::/128", "fe80::/10", "fd00:ec2::254/128"],
);
const LOOPBACK = list(["127.0.0.0/8"], ["::1/128"]);
const PRIVATE = list(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"], ["fc00::/7"]);

/** Why a connection to `address` is refused, or undefined when it is allowed (pure). */
export function addressRefusal(address: string, p: AddressPolicy): string | undefined {
  let ip = address.replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) ip = mapped[1];
  const v = isIP(ip);
  if (v === 0) return `${address} is not an IP address`;
  const type = v === 4 ? "ipv4" : "ipv6";
  if (BLOCKED.check(ip, type)) return `${ip} is a link-local or metadata address`;
  if (LOOPBACK.check(ip, type) && !p.allowLoopback)
    return `${ip} is a loopback address (allowed only with the operator's loopback allowance for local development)`;
  if (PRIVATE.check(ip, type) && !p.allowPrivate)
    return `${ip} is a private address; set allowPrivateEndpoint: true on the entry to allow it`;
  return undefined;
}

export class AddressRefusedError extends Error {
  readonly code = "EADDRREFUSEDBYPOLICY";
}

export const refusedMessage = (host: string, why: string): string =>
  `connection to ${host} refused by policy: ${why}`;

/**
 * A `lookup` for net/tls.connect that resolves as usual and then drops every address the policy
 * refuses; when none is left the connection fails with the reason. undici passes it to the socket,
 * so the check applies to the very address dialled.
 */
export function policyLookup(p: AddressPolicy, resolve: LookupFunction = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const all = (Array.isArray(addresses) ? addresses : []) as LookupAddress[];
      const allowed = all.filter((a) => addressRefusal(a.address, p) === undefined);
      if (allowed.length === 0) {
        const why = all[0] ? (addressRefusal(all[0].address, p) ?? "") : "no address";
        const e = new AddressRefusedError(refusedMessage(hostname, why));
        return callback(e as NodeJS.ErrnoException, "", 0);
      }
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, allowed);
      const first = allowed[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}

/** Metadata keys discovery sets on an MCPServerEntry's backend (a URL the user chose, unlike the
 * Service URLs the operator gives MCPServers and MCPRemoteProxies). */
export const POLICY_METADATA = {
  enforce: "address_policy",
  allowPrivate: "allow_private_endpoint",
  allowLoopback: "allow_loopback",
} as const;

/** The policy of a backend, undefined when its addresses are not checked. */
export function addressPolicyOf(metadata: Record<string, string> | undefined): AddressPolicy | undefined {
  if (metadata?.[POLICY_METADATA.enforce] !== "true") return undefined;
  return {
    allowPrivate: metadata[POLICY_METADATA.allowPrivate] === "true",
    allowLoopback: metadata[POLICY_METADATA.allowLoopback] === "true",
  };
}
