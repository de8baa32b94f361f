import { describe, expect, it } from "vitest";
import { announcesDeploymentUpdate } from "../../../src/controllers/virtualmcpserver/child-events.ts";

describe("VirtualMCPServer child Events", () => {
  it("announces a Deployment update for the server's own spec change, not for a referenced object's", () => {
    expect(announcesDeploymentUpdate(4, 3)).toBe(true);
    expect(announcesDeploymentUpdate(1, undefined)).toBe(true);
    expect(announcesDeploymentUpdate(4, 4)).toBe(false);
  });
});
