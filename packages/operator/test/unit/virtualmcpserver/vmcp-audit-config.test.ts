import { describe, expect, it } from "vitest";
import { generateVmcpConfig } from "../../../src/builders/vmcp-config.ts";
import { vmcp, world } from "./fixtures.ts";

describe("spec.config.audit -> config.yaml", () => {
  it("is copied with ToolHive's defaults filled in", () => {
    const gen = generateVmcpConfig(
      world({
        vmcp: vmcp({
          config: { audit: { event_types: ["mcp_tool_call"], log_file: "/var/log/vmcp/audit.jsonl" } },
        }),
      }),
    );
    if (!gen.ok) throw new Error(gen.message);
    expect(gen.value.config.audit).toEqual({
      enabled: true,
      event_types: ["mcp_tool_call"],
      include_request_data: false,
      include_response_data: false,
      max_data_size: 1024,
      log_file: "/var/log/vmcp/audit.jsonl",
    });
  });

  it("is absent when not set: no audit events", () => {
    const gen = generateVmcpConfig(world({}));
    if (!gen.ok) throw new Error(gen.message);
    expect(gen.value.config.audit).toBeUndefined();
  });
});
