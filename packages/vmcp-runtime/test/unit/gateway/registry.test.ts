import { describe, expect, it } from "vitest";
import { BackendRegistry } from "../../../src/registry/registry.ts";
import type { BackendSpec } from "../../../src/registry/types.ts";

const spec = (name: string, url = `http://${name}/mcp`): BackendSpec => ({
  name,
  url,
  transport: "streamable-http",
  timeoutMs: 1000,
  authType: "unauthenticated",
});

describe("BackendRegistry", () => {
  it("reports added, updated and removed backends, and nothing for an identical view", () => {
    const r = new BackendRegistry();
    const seen: string[] = [];
    r.onChange((changes) => seen.push(...changes.map((c) => `${c.type}:${c.backend.name}`)));
    r.replaceAll([spec("a"), spec("b")]);
    r.replaceAll([spec("b"), spec("a")]);
    r.replaceAll([spec("a", "http://moved/mcp"), spec("c")]);
    expect(seen).toEqual(["added:a", "added:b", "updated:a", "added:c", "removed:b"]);
    expect(r.list().map((b) => b.name)).toEqual(["a", "c"]);
    expect(r.version).toBe(2);
  });
});
