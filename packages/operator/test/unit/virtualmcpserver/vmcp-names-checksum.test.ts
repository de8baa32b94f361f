import { describe, expect, it } from "vitest";
import { contentChecksum } from "../../../src/builders/checksum.ts";
import {
  CONTENT_CHECKSUM_ANNOTATION,
  caBundleVolumeName,
  envSuffix,
  headerInjectionEnv,
  statusUrl,
  tokenExchangeSecretEnv,
} from "../../../src/builders/names.ts";

describe("names", () => {
  it("keeps short CA bundle volume names readable", () => {
    expect(caBundleVolumeName("internal-ca")).toBe("ca-bundle-internal-ca");
  });

  it("hashes a 70-character entry name into a valid, unique DNS label", () => {
    const a = `${"a".repeat(40)}-${"b".repeat(29)}`;
    const b = `${"a".repeat(40)}-${"c".repeat(29)}`;
    expect(a).toHaveLength(70);
    const va = caBundleVolumeName(a);
    expect(va.length).toBeLessThanOrEqual(63);
    expect(va).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(va).toMatch(/^ca-bundle-a{40}-b{3}-[0-9a-f]{8}$/);
    expect(caBundleVolumeName(a)).toBe(va);
    expect(caBundleVolumeName(b)).not.toBe(va);
  });

  it("trims a trailing dash from the kept prefix", () => {
    const name = `${"x".repeat(43)}-${"y".repeat(30)}`;
    expect(caBundleVolumeName(name)).toMatch(/^ca-bundle-x{43}-[0-9a-f]{8}$/);
  });

  it("turns config names into env var suffixes", () => {
    expect(envSuffix("github-token.v2")).toBe("GITHUB_TOKEN_V2");
    expect(headerInjectionEnv("api-key")).toBe("TOOLHIVE_HEADER_INJECTION_VALUE_API_KEY");
    expect(tokenExchangeSecretEnv("okta")).toBe("TOOLHIVE_TOKEN_EXCHANGE_CLIENT_SECRET_OKTA");
  });

  it("publishes the in-cluster URL of the Service", () => {
    expect(statusUrl("demo", "team-a")).toBe("http://vmcp-demo.team-a.svc.cluster.local:4483");
  });
});

describe("content checksum", () => {
  const data = { "config.yaml": "name: a\n" };
  const labels = { b: "2", a: "1" };

  it("is stable under key order and ignores its own annotation", () => {
    const one = contentChecksum(data, labels, {});
    const two = contentChecksum(data, { a: "1", b: "2" }, { [CONTENT_CHECKSUM_ANNOTATION]: "old" });
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    expect(two).toBe(one);
  });

  it("changes when data, labels or annotations change", () => {
    const base = contentChecksum(data, labels, {});
    expect(contentChecksum({ "config.yaml": "name: b\n" }, labels, {})).not.toBe(base);
    expect(contentChecksum(data, { ...labels, c: "3" }, {})).not.toBe(base);
    expect(contentChecksum(data, labels, { note: "x" })).not.toBe(base);
    // moving bytes between key and value is a different content
    expect(contentChecksum({ ab: "c" })).not.toBe(contentChecksum({ a: "bc" }));
  });
});
