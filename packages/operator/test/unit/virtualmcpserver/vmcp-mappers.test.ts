import { describe, expect, it } from "vitest";
import {
  type Lookups,
  mapAuthConfig,
  mapCaBundleConfigMap,
  mapComposite,
  mapGroup,
  mapMember,
  mapOidcConfig,
  mapOwned,
  mapTelemetryConfig,
  mapToolConfig,
} from "../../../src/controllers/virtualmcpserver/mappers.ts";
import {
  entryCaBundleKeys,
  groupRefKeys,
  vmcpAuthConfigKeys,
  vmcpAuthzConfigKeys,
  vmcpAuthzConfigMapKeys,
  vmcpCompositeKeys,
  vmcpOidcConfigKeys,
  vmcpTelemetryConfigKeys,
  vmcpToolConfigKeys,
} from "../../../src/controllers/virtualmcpserver/references.ts";

const o = (name: string, spec: unknown, namespace = "ns") => ({ metadata: { name, namespace }, spec });

// A tiny in-memory version of the informer indexes.
function lookups(
  vmcps: ReturnType<typeof o>[],
  members: ReturnType<typeof o>[],
  entries: ReturnType<typeof o>[],
): Lookups {
  const by = (fn: (x: ReturnType<typeof o>) => string[]) => (k: string) =>
    vmcps.filter((v) => fn(v).includes(k)).map((v) => `${v.metadata.namespace}/${v.metadata.name}`);
  return {
    vmcpsByGroup: by(groupRefKeys),
    vmcpsByAuthConfig: by(vmcpAuthConfigKeys),
    vmcpsByToolConfig: by(vmcpToolConfigKeys),
    vmcpsByComposite: by(vmcpCompositeKeys),
    vmcpsByAuthzConfig: by(vmcpAuthzConfigKeys),
    vmcpsByAuthzConfigMap: by(vmcpAuthzConfigMapKeys),
    vmcpsByOidcConfig: by(vmcpOidcConfigKeys),
    vmcpsByTelemetryConfig: by(vmcpTelemetryConfigKeys),
    memberGroupsByAuthConfig: (k) =>
      members
        .filter(
          (m) =>
            `${m.metadata.namespace}/${(m.spec as { externalAuthConfigRef?: { name: string } }).externalAuthConfigRef?.name}` ===
            k,
        )
        .flatMap(groupRefKeys),
    entryGroupsByCaBundle: (k) =>
      entries.filter((e) => entryCaBundleKeys(e).includes(k)).flatMap(groupRefKeys),
  };
}

const vA = o("a", {
  groupRef: { name: "g1" },
  outgoingAuth: {
    backends: { x: { type: "externalAuthConfigRef", externalAuthConfigRef: { name: "inline-cfg" } } },
  },
  config: {
    aggregation: { tools: [{ workload: "w", toolConfigRef: { name: "tc" } }] },
    compositeToolRefs: [{ name: "wf" }],
  },
});
const vB = o("b", {
  groupRef: { name: "g2" },
  outgoingAuth: { default: { type: "externalAuthConfigRef", externalAuthConfigRef: { name: "dflt" } } },
});
const vOther = o("a", { groupRef: { name: "g1" } }, "other-ns");
const member = o("srv", { groupRef: { name: "g2" }, externalAuthConfigRef: { name: "member-cfg" } });
const caEntry = o("e", { groupRef: { name: "g1" }, caBundleRef: { configMapRef: { name: "corp-ca" } } });
const L = lookups([vA, vB, vOther], [member], [caEntry]);

describe("VirtualMCPServer map functions", () => {
  it("MCPGroup -> VMCPs with that groupRef in the same namespace only", () => {
    expect(mapGroup(o("g1", {}), L)).toEqual(["ns/a"]);
    expect(mapGroup(o("unrelated", {}), L)).toEqual([]);
  });

  it("members -> VMCPs of the old and the new group when groupRef moves", () => {
    expect(mapMember(o("s", { groupRef: { name: "g2" } }), undefined, L)).toEqual(["ns/b"]);
    expect(mapMember(o("s", { groupRef: { name: "g2" } }), o("s", { groupRef: { name: "g1" } }), L)).toEqual([
      "ns/a",
      "ns/b",
    ]);
    expect(mapMember(o("s", {}), undefined, L)).toEqual([]);
  });

  it("MCPExternalAuthConfig -> inline references and members' references", () => {
    expect(mapAuthConfig(o("inline-cfg", {}), L)).toEqual(["ns/a"]);
    expect(mapAuthConfig(o("dflt", {}), L)).toEqual(["ns/b"]);
    expect(mapAuthConfig(o("member-cfg", {}), L)).toEqual(["ns/b"]);
    expect(mapAuthConfig(o("unrelated", {}), L)).toEqual([]);
  });

  it("MCPToolConfig, composite definitions and CA ConfigMaps -> the VMCPs that use them", () => {
    expect(mapToolConfig(o("tc", {}), L)).toEqual(["ns/a"]);
    expect(mapComposite(o("wf", {}), L)).toEqual(["ns/a"]);
    expect(mapComposite(o("wf", {}, "other-ns"), L)).toEqual([]);
    expect(mapCaBundleConfigMap(o("corp-ca", {}), L)).toEqual(["ns/a"]);
    expect(mapCaBundleConfigMap(o("some-cm", {}), L)).toEqual([]);
  });

  it("owned objects -> their controlling VirtualMCPServer", () => {
    const owned = {
      metadata: {
        name: "a",
        namespace: "ns",
        ownerReferences: [
          {
            apiVersion: "toolhive.stacklok.dev/v1beta1",
            kind: "VirtualMCPServer",
            name: "a",
            controller: true,
          },
        ],
      },
    };
    expect(mapOwned(owned)).toEqual(["ns/a"]);
    expect(
      mapOwned({
        metadata: {
          name: "x",
          namespace: "ns",
          ownerReferences: [{ kind: "ReplicaSet", name: "r", controller: true }],
        },
      }),
    ).toEqual([]);
  });
});

describe("mapTelemetryConfig", () => {
  it("enqueues exactly the VirtualMCPServers whose telemetryConfigRef names the MCPTelemetryConfig, in its namespace", () => {
    const vmcps = [
      o("uses", { groupRef: { name: "g" }, telemetryConfigRef: { name: "otel" } }),
      o("other", { groupRef: { name: "g" }, telemetryConfigRef: { name: "otel2" } }),
      o("elsewhere", { groupRef: { name: "g" }, telemetryConfigRef: { name: "otel" } }, "ns2"),
      o("none", { groupRef: { name: "g" } }),
    ];
    expect(mapTelemetryConfig(o("otel", {}), lookups(vmcps, [], []))).toEqual(["ns/uses"]);
  });
});

describe("mapOidcConfig", () => {
  it("enqueues exactly the VirtualMCPServers whose oidcConfigRef names the MCPOIDCConfig, in its namespace", () => {
    const ref = (name: string) => ({ type: "oidc", oidcConfigRef: { name, audience: "a" } });
    const vmcps = [
      o("uses", { groupRef: { name: "g" }, incomingAuth: ref("idp") }),
      o("other", { groupRef: { name: "g" }, incomingAuth: ref("idp2") }),
      o("elsewhere", { groupRef: { name: "g" }, incomingAuth: ref("idp") }, "ns2"),
      o("anon", { groupRef: { name: "g" }, incomingAuth: { type: "anonymous" } }),
    ];
    expect(mapOidcConfig(o("idp", {}), lookups(vmcps, [], []))).toEqual(["ns/uses"]);
  });
});
