import { describe, expect, it } from "vitest";
import { staticSource } from "../../../src/runtime/source.ts";
import { config } from "./one-backend-config.ts";

describe("the static source stage", () => {
  it("puts the config's backends into its registry and reports static mode, no problems", async () => {
    const source = staticSource(config);
    expect(source.mode).toBe("static");
    expect(source.registry.list().map((b) => [b.name, b.url])).toEqual([["a", "http://127.0.0.1:9/mcp"]]);
    expect(source.outgoingAuth).toBeUndefined();
    expect(source.problems()).toEqual([]);
    await source.stop();
  });
});
