import type { KubernetesObject } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  staleTransportObjects,
  transportObjectNames,
} from "../../../src/builders/mcpserver/transport-switch.ts";

const UID = "uid-s";
const owned = (kind: string, name: string, uid = UID, extra: Record<string, unknown> = {}) => ({
  kind,
  metadata: {
    name,
    ownerReferences: [{ apiVersion: "x", kind: "MCPServer", name: "s", uid, controller: true }],
  },
  ...extra,
});
const deployment = (component: string | undefined, uid = UID) =>
  owned("Deployment", "s", uid, {
    spec: {
      selector: {
        matchLabels: {
          "toolhive-name": "s",
          ...(component ? { "app.kubernetes.io/component": component } : {}),
        },
      },
    },
  });
const httpDesired = [deployment(undefined), owned("Service", "mcp-s-proxy")] as KubernetesObject[];
const stdioLive = [
  deployment("proxy"),
  owned("StatefulSet", "s"),
  owned("ServiceAccount", "s-proxy-runner"),
  owned("Role", "s-proxy-runner"),
  owned("RoleBinding", "s-proxy-runner"),
];
const names = (xs: { kind?: string; metadata?: { name?: string } }[]) =>
  xs.map((x) => `${x.kind}/${x.metadata?.name}`);

describe("MCPServer transport switch", () => {
  it("stdio -> HTTP: the StatefulSet, the proxy's RBAC and the proxy Deployment (its selector changes) are stale", () => {
    expect(names(staleTransportObjects(UID, httpDesired, stdioLive))).toEqual([
      "Deployment/s",
      "StatefulSet/s",
      "ServiceAccount/s-proxy-runner",
      "Role/s-proxy-runner",
      "RoleBinding/s-proxy-runner",
    ]);
  });

  it("HTTP -> stdio: only the server Deployment, whose selector cannot become the proxy's", () => {
    const stdioDesired = stdioLive.map((o) => ({ ...o })) as KubernetesObject[];
    expect(names(staleTransportObjects(UID, stdioDesired, [deployment(undefined)]))).toEqual([
      "Deployment/s",
    ]);
  });

  it("an unchanged transport: nothing; an object another controller owns, or nobody: never", () => {
    expect(staleTransportObjects(UID, httpDesired, [deployment(undefined)])).toEqual([]);
    const foreign = [
      owned("StatefulSet", "s", "uid-other"),
      { kind: "Role", metadata: { name: "s-proxy-runner" } },
      owned("ServiceAccount", "s-proxy-runner", ""),
    ];
    expect(staleTransportObjects(UID, httpDesired, foreign)).toEqual([]);
    expect(staleTransportObjects("", httpDesired, stdioLive)).toEqual([]);
  });

  it("considers only the names either transport creates for that server", () => {
    expect(transportObjectNames("s")).toEqual([
      ["Deployment", "s"],
      ["StatefulSet", "s"],
      ["ServiceAccount", "s-proxy-runner"],
      ["Role", "s-proxy-runner"],
      ["RoleBinding", "s-proxy-runner"],
    ]);
  });
});
