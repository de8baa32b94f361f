import { describe, expect, it } from "vitest";
import { apiServerArgs } from "../../src/args.ts";
import {
  cniConflist,
  containerdToml,
  controllerManagerArgs,
  kubeletConfig,
  kubeProxyConfig,
  NODE_NETWORK,
  type NodeLayout,
} from "../../src/node-config.ts";

const layout: NodeLayout = {
  dir: "/run/n",
  imageStore: "/cache/ctrd",
  bin: "/bin",
  runc: "/usr/sbin/runc",
  pkiDir: "/run/n/pki",
  ports: {
    kubeletHealthz: 1,
    kcm: 2,
    scheduler: 3,
    proxyHealthz: 4,
    proxyMetrics: 5,
    dnsHealth: 6,
    dnsReady: 7,
  },
};

describe("node configuration", () => {
  it("containerd never writes a negative oom_score_adj (no CAP_SYS_RESOURCE in these VMs) and keeps netns under its state", () => {
    const toml = containerdToml(layout);
    expect(toml).toContain("restrict_oom_score_adj = true");
    expect(toml).toContain("netns_mounts_under_state_dir = true");
    expect(toml).toContain("root = '/cache/ctrd'");
    expect(toml).toContain("state = '/run/n/containerd/state'");
    expect(toml).toContain("sandbox = 'localhost/pause:3.10'");
  });

  it("the pod network has no masquerade (no egress) and its gateway is the node's address", () => {
    const conf = JSON.parse(cniConflist(layout));
    expect(conf.plugins[0]).toMatchObject({ bridge: NODE_NETWORK.bridge, isGateway: true, ipMasq: false });
    expect(conf.plugins[0].ipam.ranges[0][0]).toEqual({
      subnet: NODE_NETWORK.podCidr,
      gateway: NODE_NETWORK.host,
    });
  });

  it("the kubelet runs on cgroup v1 hosts, authenticates clients by cert, writes logs in our directory", () => {
    const y = kubeletConfig(layout);
    expect(y).toContain("failCgroupV1: false");
    expect(y).toContain("anonymous: {enabled: false}");
    expect(y).toContain("clientCAFile: /run/n/pki/client-ca.crt");
    expect(y).toContain("podLogsDirectory: /run/n/pod-logs");
    expect(y).toContain(`clusterDNS: ["${NODE_NETWORK.host}"]`);
  });

  it("kube-proxy programs nftables and leaves the host's conntrack sysctls alone", () => {
    const y = kubeProxyConfig(layout);
    expect(y).toContain("mode: nftables");
    expect(y).toContain("maxPerCore: 0");
  });

  it("the controller-manager signs ServiceAccount tokens and publishes the serving CA", () => {
    const a = controllerManagerArgs(layout);
    expect(a).toContain("--service-account-private-key-file=/run/n/pki/sa.key");
    expect(a).toContain("--root-ca-file=/run/n/pki/serving-ca.crt");
    expect(a).toContain("--use-service-account-credentials=true");
  });

  it("a node's apiserver keeps what pods need: endpoints, ServiceAccount admission, a reachable address", () => {
    const files = {
      certDir: "/p",
      servingCert: "/p/a.crt",
      servingKey: "/p/a.key",
      clientCa: "/p/c.crt",
      saPublicKey: "/p/sa.pub",
      saPrivateKey: "/p/sa.key",
    };
    const node = apiServerArgs({
      etcdClientPort: 1,
      securePort: 6443,
      files,
      node: {
        host: "10.244.0.1",
        serviceCidr: "10.96.0.0/16",
        kubeletClientCert: "/p/k.crt",
        kubeletClientKey: "/p/k.key",
      },
    });
    expect(node).toContain("--advertise-address=10.244.0.1");
    expect(node).toContain("--service-cluster-ip-range=10.96.0.0/16");
    expect(node).toContain("--authorization-mode=Node,RBAC");
    expect(node.join(" ")).not.toMatch(
      /endpoint-reconciler-type=none|disable-admission-plugins=ServiceAccount/,
    );
    const apiOnly = apiServerArgs({ etcdClientPort: 1, securePort: 6443, files });
    expect(apiOnly).toContain("--endpoint-reconciler-type=none");
    expect(apiOnly).toContain("--authorization-mode=RBAC");
  });
});
