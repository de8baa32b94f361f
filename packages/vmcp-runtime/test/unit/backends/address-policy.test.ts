import type { LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { describe, expect, it } from "vitest";
import { addressRefusal, policyLookup } from "../../../src/backends/address-policy.ts";

const strict = { allowPrivate: false, allowLoopback: false };

/** A resolver that answers from a table, standing in for DNS (e.g. a rebinding name). */
const table =
  (answers: Record<string, LookupAddress[]>): LookupFunction =>
  (hostname, _options, callback) =>
    (callback as (e: null, a: LookupAddress[]) => void)(null, answers[hostname] ?? []);

const resolveWith = (lookup: LookupFunction, host: string, all = false) =>
  new Promise<{ err: Error | null; address: unknown }>((resolve) =>
    lookup(host, { all }, (err, address) => resolve({ err, address })),
  );

describe("resolved-address policy", () => {
  it("refuses link-local and metadata addresses whatever is allowed", () => {
    const open = { allowPrivate: true, allowLoopback: true };
    for (const ip of [
      "169.254.169.254",
      "169.254.1.1",
      "100.100.100.200",
      "fe80::1",
      "fd00:ec2::254",
      "0.0.0.0",
    ])
      expect(addressRefusal(ip, open), ip).toMatch(/link-local or metadata/);
    expect(addressRefusal("::ffff:169.254.169.254", open)).toMatch(/link-local or metadata/);
  });

  it("refuses loopback and private addresses unless allowed", () => {
    expect(addressRefusal("127.0.0.1", strict)).toMatch(/loopback/);
    expect(addressRefusal("::1", strict)).toMatch(/loopback/);
    expect(addressRefusal("127.0.0.1", { ...strict, allowLoopback: true })).toBeUndefined();
    for (const ip of ["10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "fd12::1"])
      expect(addressRefusal(ip, strict), ip).toMatch(/allowPrivateEndpoint/);
    expect(addressRefusal("10.1.2.3", { ...strict, allowPrivate: true })).toBeUndefined();
    expect(addressRefusal("93.184.216.34", strict)).toBeUndefined();
    expect(addressRefusal("2606:4700::1", strict)).toBeUndefined();
  });

  it("a name that resolves to a metadata address fails the lookup with the reason", async () => {
    const lookup = policyLookup(
      strict,
      table({ "169.254.169.254.nip.io": [{ address: "169.254.169.254", family: 4 }] }),
    );
    const { err } = await resolveWith(lookup, "169.254.169.254.nip.io");
    expect(err?.message).toBe(
      "connection to 169.254.169.254.nip.io refused by policy: 169.254.169.254 is a link-local or metadata address",
    );
  });

  it("keeps only the allowed addresses of a mixed answer, for single and all lookups", async () => {
    const lookup = policyLookup(
      strict,
      table({
        mixed: [
          { address: "169.254.169.254", family: 4 },
          { address: "93.184.216.34", family: 4 },
        ],
      }),
    );
    expect((await resolveWith(lookup, "mixed")).address).toBe("93.184.216.34");
    expect((await resolveWith(lookup, "mixed", true)).address).toEqual([
      { address: "93.184.216.34", family: 4 },
    ]);
  });
});
