// Config files and command lines of a real single node: pure, so the settings that make pods work on
// these machines are unit-tested without root. Every address is on the node's own bridge or loopback.
import { join } from "node:path";

/** Fixed per host: only one node runs on a machine at a time (a host-wide lock guards it). */
export const NODE_NETWORK = {
  nodeName: "vmcp-node",
  /** Pre-created CNI bridge; its address is the pod gateway, the apiserver, the kubelet and DNS. */
  bridge: "vmcp0",
  host: "10.244.0.1",
  podCidr: "10.244.0.0/24",
  /** /16: room for the scale benches (a /24 fills at ~250 Services). */
  serviceCidr: "10.96.0.0/16",
  apiServiceIp: "10.96.0.1",
  cniNetwork: "vmcp-pods",
  clusterDomain: "cluster.local",
  kubeletPort: 10250,
} as const;

export type NodeLayout = {
  /** Per-run state (removed on stop): configs, kubelet root, containerd state, logs. */
  dir: string;
  /** containerd's root (content + snapshots), kept between runs so images are imported once. */
  imageStore: string;
  bin: string;
  runc: string;
  pkiDir: string;
  /** Loopback ports for health and metrics endpoints, picked free at start. */
  ports: {
    kubeletHealthz: number;
    kcm: number;
    scheduler: number;
    proxyHealthz: number;
    proxyMetrics: number;
    dnsHealth: number;
    dnsReady: number;
  };
};

export const PAUSE_IMAGE = "localhost/pause:3.10";

export function nodePaths(l: NodeLayout) {
  return {
    containerdSocket: join(l.dir, "containerd", "containerd.sock"),
    containerdState: join(l.dir, "containerd", "state"),
    shimSockets: join(l.dir, "containerd", "s"),
    runcRoot: join(l.dir, "runc"),
    cniBin: join(l.dir, "cni", "bin"),
    cniConf: join(l.dir, "cni", "net.d"),
    cniIpam: join(l.dir, "cni", "ipam"),
    kubeletRoot: join(l.dir, "kubelet"),
    podLogs: join(l.dir, "pod-logs"),
    etc: join(l.dir, "etc"),
  };
}

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

export function containerdToml(l: NodeLayout): string {
  const p = nodePaths(l);
  return `version = 3
root = ${q(l.imageStore)}
state = ${q(p.containerdState)}
imports = []
[grpc]
  address = ${q(p.containerdSocket)}
[ttrpc]
  address = ${q(`${p.containerdSocket}.ttrpc`)}
[plugins]
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = 'overlayfs'
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = ${q(PAUSE_IMAGE)}
  [plugins.'io.containerd.cri.v1.runtime']
    # Network namespaces under our state dir: teardown finds (and unmounts) every one of them.
    netns_mounts_under_state_dir = true
    # Without CAP_SYS_RESOURCE (Firecracker VMs) runc cannot write the pause container's negative
    # oom_score_adj and every sandbox dies with "can't get final child's PID from pipe: EOF".
    restrict_oom_score_adj = true
    cdi_spec_dirs = []
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = 'io.containerd.runc.v2'
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = ${q(l.runc)}
          Root = ${q(p.runcRoot)}
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = [${q(p.cniBin)}]
      conf_dir = ${q(p.cniConf)}
  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = '127.0.0.1'
    stream_server_port = '0'
  [plugins.'io.containerd.internal.v1.opt']
    path = ${q(join(l.dir, "containerd", "opt"))}
  [plugins.'io.containerd.nri.v1.nri']
    disable = true
  [plugins.'io.containerd.image-verifier.v1.bindir']
    bin_dir = ${q(join(l.dir, "containerd", "image-verifier"))}
  [plugins.'io.containerd.shim.v1.manager']
    socket_dir = ${q(p.shimSockets)}
`;
}

export function cniConflist(l: NodeLayout): string {
  const n = NODE_NETWORK;
  return `${JSON.stringify(
    {
      cniVersion: "1.0.0",
      name: n.cniNetwork,
      plugins: [
        {
          type: "bridge",
          bridge: n.bridge,
          isGateway: true,
          // No masquerade: pods get no egress, so tests cannot depend on the internet by accident.
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: "host-local",
            dataDir: nodePaths(l).cniIpam,
            ranges: [[{ subnet: n.podCidr, gateway: n.host }]],
            routes: [{ dst: "0.0.0.0/0" }],
          },
        },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  )}\n`;
}

export function kubeletConfig(l: NodeLayout): string {
  const p = nodePaths(l);
  const n = NODE_NETWORK;
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# cgroup v1 hosts: kubelet 1.36 refuses them unless told otherwise.
failCgroupV1: false
failSwapOn: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://${p.containerdSocket}
address: ${n.host}
port: ${n.kubeletPort}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${l.ports.kubeletHealthz}
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: ${join(l.pkiDir, "client-ca.crt")}}
authorization:
  mode: Webhook
clusterDomain: ${n.clusterDomain}
clusterDNS: ["${n.host}"]
podLogsDirectory: ${p.podLogs}
# A shared dev machine: never evict test pods over disk or memory pressure the node did not cause.
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
registerNode: true
`;
}

export function kubeletArgs(l: NodeLayout): string[] {
  const p = nodePaths(l);
  return [
    `--config=${join(p.etc, "kubelet.yaml")}`,
    `--kubeconfig=${join(p.etc, "kubelet.kubeconfig")}`,
    `--root-dir=${p.kubeletRoot}`,
    `--cert-dir=${join(p.kubeletRoot, "pki")}`,
    `--hostname-override=${NODE_NETWORK.nodeName}`,
    `--node-ip=${NODE_NETWORK.host}`,
    "--v=1",
  ];
}

export function kubeProxyConfig(l: NodeLayout): string {
  const n = NODE_NETWORK;
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: ${join(nodePaths(l).etc, "kube-proxy.kubeconfig")}}
mode: nftables
hostnameOverride: ${n.nodeName}
clusterCIDR: ${n.podCidr}
healthzBindAddress: 127.0.0.1:${l.ports.proxyHealthz}
metricsBindAddress: 127.0.0.1:${l.ports.proxyMetrics}
nodePortAddresses: ["${n.host}/32"]
# 0 = leave the host's conntrack sysctls alone.
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
`;
}

/** CoreDNS as a host process on the bridge address: cluster.local only (pods have no egress anyway). */
export function corefile(l: NodeLayout): string {
  const d = NODE_NETWORK.clusterDomain;
  return `${d}:53 in-addr.arpa:53 ip6.arpa:53 {
  bind ${NODE_NETWORK.host}
  errors
  health 127.0.0.1:${l.ports.dnsHealth}
  ready 127.0.0.1:${l.ports.dnsReady}
  kubernetes ${d} in-addr.arpa ip6.arpa {
    kubeconfig ${join(nodePaths(l).etc, "coredns.kubeconfig")}
    pods insecure
    fallthrough in-addr.arpa ip6.arpa
  }
  cache 30
}
`;
}

export function controllerManagerArgs(l: NodeLayout): string[] {
  const kc = join(nodePaths(l).etc, "kube-controller-manager.kubeconfig");
  return [
    `--kubeconfig=${kc}`,
    `--authentication-kubeconfig=${kc}`,
    `--authorization-kubeconfig=${kc}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${l.ports.kcm}`,
    "--leader-elect=false",
    // Tokens and the `kube-root-ca.crt` ConfigMap projected into every pod.
    `--service-account-private-key-file=${join(l.pkiDir, "sa.key")}`,
    `--root-ca-file=${join(l.pkiDir, "serving-ca.crt")}`,
    "--use-service-account-credentials=true",
    "--controllers=*,-service-lb-controller,-node-route-controller,-cloud-node-lifecycle-controller,-node-ipam-controller",
    `--service-cluster-ip-range=${NODE_NETWORK.serviceCidr}`,
    "--allocate-node-cidrs=false",
    "--profiling=false",
  ];
}

export function schedulerArgs(l: NodeLayout): string[] {
  const kc = join(nodePaths(l).etc, "kube-scheduler.kubeconfig");
  return [
    `--kubeconfig=${kc}`,
    `--authentication-kubeconfig=${kc}`,
    `--authorization-kubeconfig=${kc}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${l.ports.scheduler}`,
    "--leader-elect=false",
    "--profiling=false",
  ];
}

/** The sysctls the kubelet (and the bridge plugin's isGateway) change on the host, restored on stop. */
export const TOUCHED_SYSCTLS = [
  "vm.overcommit_memory",
  "kernel.panic",
  "kernel.panic_on_oops",
  "net.ipv4.ip_forward",
] as const;

/** The node's client identities: name -> certificate subject. */
export const NODE_CLIENTS = {
  kubelet: `CN=system:node:${NODE_NETWORK.nodeName}, O=system:nodes`,
  "kube-controller-manager": "CN=system:kube-controller-manager",
  "kube-scheduler": "CN=system:kube-scheduler",
  "kube-proxy": "CN=system:kube-proxy",
  "apiserver-kubelet-client": "CN=kube-apiserver-kubelet-client, O=system:masters",
  // Read-only RBAC (NODE_DNS_RBAC): DNS needs to list Services, EndpointSlices, Namespaces, Pods.
  coredns: "CN=vmcp:coredns",
} as const;

export const SERVING_DNS_NAMES = [
  "kubernetes",
  "kubernetes.default",
  "kubernetes.default.svc",
  `kubernetes.default.svc.${NODE_NETWORK.clusterDomain}`,
];
