import { describe, expect, it } from "vitest";
import {
  announcesDeploymentUpdate,
  childrenCreatedNote,
} from "../../../src/controllers/virtualmcpserver/child-events.ts";

describe("VirtualMCPServer child Events", () => {
  it("names every created child in one note, in the order they were sent", () => {
    expect(
      childrenCreatedNote([
        { kind: "ServiceAccount", name: "demo-vmcp" },
        { kind: "Secret", name: "demo-vmcp-session-keys" },
        { kind: "Deployment", name: "demo" },
      ]),
    ).toBe("Created ServiceAccount demo-vmcp, Secret demo-vmcp-session-keys, Deployment demo");
  });

  it("announces a Deployment update for the server's own spec change, not for a referenced object's", () => {
    expect(announcesDeploymentUpdate(4, 3)).toBe(true);
    expect(announcesDeploymentUpdate(1, undefined)).toBe(true);
    expect(announcesDeploymentUpdate(4, 4)).toBe(false);
  });
});
