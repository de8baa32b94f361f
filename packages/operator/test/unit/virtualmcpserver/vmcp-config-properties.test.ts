import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildConfigMap } from "../../../src/builders/configmap.ts";
import { generateVmcpConfig } from "../../../src/builders/vmcp-config.ts";
import { entry, headerAuth, server, vmcp, world } from "./fixtures.ts";

const owner = {
  apiVersion: "toolhive.stacklok.dev/v1beta1",
  kind: "VirtualMCPServer",
  name: "demo",
  uid: "u",
};

const memberArb = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/),
  kind: fc.constantFrom("entry", "server"),
  transport: fc.constantFrom("sse", "streamable-http"),
  valid: fc.boolean(),
  ca: fc.option(fc.constantFrom("ca.crt", "root.pem"), { nil: undefined }),
  auth: fc.option(fc.constantFrom("k1", "k2", "missing"), { nil: undefined }),
});
const worldArb = fc.record({
  inline: fc.boolean(),
  members: fc.uniqueArray(memberArb, { selector: (m) => m.name, maxLength: 8 }),
});

type WorldSpec = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

function build(spec: WorldSpec, order: number[] = []) {
  const members = spec.members.map((m) => {
    const auth = m.auth ? { externalAuthConfigRef: { name: m.auth } } : {};
    return m.kind === "entry"
      ? {
          e: entry(
            m.name,
            {
              transport: m.transport,
              ...auth,
              ...(m.ca ? { caBundleRef: { configMapRef: { name: "cas", key: m.ca } } } : {}),
            },
            m.valid ? "Valid" : "Pending",
          ),
        }
      : {
          s: server(
            m.name,
            { transport: m.transport, ...auth },
            m.valid ? { url: `http://${m.name}.svc:8080/mcp` } : {},
          ),
        };
  });
  const permuted = order.length === members.length ? order.map((i) => members[i]!) : members;
  return world({
    vmcp: vmcp(spec.inline ? { outgoingAuth: { source: "inline" } } : {}),
    entries: permuted.flatMap((m) => ("e" in m && m.e ? [m.e] : [])),
    servers: permuted.flatMap((m) => ("s" in m && m.s ? [m.s] : [])),
    authConfigs: [headerAuth("k2"), headerAuth("k1")],
  });
}

describe("config generator properties", () => {
  it("the output does not depend on the order the caches return objects in", () => {
    fc.assert(
      fc.property(
        worldArb.chain((w) =>
          fc.tuple(
            fc.constant(w),
            fc.shuffledSubarray([...w.members.keys()], { minLength: w.members.length }),
          ),
        ),
        ([w, order]) => {
          const a = generateVmcpConfig(build(w));
          const b = generateVmcpConfig(build(w, order));
          expect(b).toEqual(a);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("the ConfigMap checksum changes exactly when config.yaml changes", () => {
    fc.assert(
      fc.property(worldArb, worldArb, (w1, w2) => {
        const a = generateVmcpConfig(build(w1));
        const b = generateVmcpConfig(build(w2));
        if (!a.ok || !b.ok) return;
        const ca = buildConfigMap({ owner, namespace: "ns", configYaml: a.value.yaml }).checksum;
        const cb = buildConfigMap({ owner, namespace: "ns", configYaml: b.value.yaml }).checksum;
        expect(ca === cb).toBe(a.value.yaml === b.value.yaml);
      }),
      { numRuns: 60 },
    );
  });

  it("static backends are exactly the routable members whose auth could be built, sorted, with type entry for entries", () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const out = generateVmcpConfig(build({ ...w, inline: true }));
        const expected = w.members
          .filter((m) => m.valid && m.auth !== "missing")
          .map((m) => m.name)
          .sort();
        if (expected.length === 0) {
          expect(out.ok).toBe(false);
          return;
        }
        if (!out.ok) throw new Error(out.message);
        const backends = out.value.config.backends ?? [];
        expect(backends.map((b) => b.name)).toEqual(expected);
        for (const b of backends) {
          const m = w.members.find((x) => x.name === b.name)!;
          expect(b.type).toBe(m.kind === "entry" ? "entry" : undefined);
          expect(b.caBundlePath).toBe(
            m.kind === "entry" && m.ca ? `/etc/toolhive/ca-bundles/${m.name}/${m.ca}` : undefined,
          );
        }
        expect(out.value.yaml).not.toContain("api-keys"); // the Secret name of k1/k2 never reaches the file
      }),
      { numRuns: 80 },
    );
  });
});
