// Command lines for etcd and kube-apiserver. Pure so the flag set is unit-tested; flags follow
// envtest (controller-runtime) and kwokctl, checked against `--help` of the built binaries.
import { NODE_NETWORK } from "./node-config.ts";

export type EtcdOptions = { dataDir: string; clientPort: number; peerPort: number };

export function etcdClientUrl(port: number): string {
  return `http://127.0.0.1:${port}`;
}

export function etcdArgs(o: EtcdOptions): string[] {
  const client = etcdClientUrl(o.clientPort);
  const peer = `http://127.0.0.1:${o.peerPort}`;
  return [
    "--name=testenv",
    `--data-dir=${o.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    // Explicit peer URLs and cluster so nothing falls back to the default :2380 (parallel planes).
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=testenv=${peer}`,
    "--initial-cluster-state=new",
    // Throwaway data: skipping fsync is the single biggest speed-up for apiserver writes.
    "--unsafe-no-fsync=true",
    "--auto-compaction-mode=periodic",
    "--auto-compaction-retention=1m",
    "--quota-backend-bytes=2147483648",
    "--log-level=warn",
  ];
}

export type ApiServerFiles = {
  servingCert: string;
  servingKey: string;
  clientCa: string;
  saPublicKey: string;
  saPrivateKey: string;
  certDir: string;
};

/** What a real node needs from the apiserver on top of the API-only defaults. */
export type NodeApiServer = {
  /** The bridge gateway: host and pods both reach it, and it is the kubernetes Service endpoint. */
  host: string;
  serviceCidr: string;
  kubeletClientCert: string;
  kubeletClientKey: string;
};

export type ApiServerOptions = {
  etcdClientPort: number;
  securePort: number;
  files: ApiServerFiles;
  serviceClusterIpRange?: string;
  node?: NodeApiServer;
  /** Serve /debug/pprof (benches profiling the apiserver); off by default. */
  profiling?: boolean;
};

export function apiServerUrl(port: number, host = "127.0.0.1"): string {
  return `https://${host}:${port}`;
}

export function apiServerArgs(o: ApiServerOptions): string[] {
  const host = o.node?.host ?? "127.0.0.1";
  const server = apiServerUrl(o.securePort, host);
  return [
    `--etcd-servers=${etcdClientUrl(o.etcdClientPort)}`,
    `--bind-address=${host}`,
    // Without it a loopback bind makes the apiserver look for a default route (fails on some hosts).
    // On a node it is the address the `kubernetes` Service's endpoints point pods at.
    `--advertise-address=${host}`,
    `--secure-port=${o.securePort}`,
    `--cert-dir=${o.files.certDir}`,
    `--tls-cert-file=${o.files.servingCert}`,
    `--tls-private-key-file=${o.files.servingKey}`,
    `--client-ca-file=${o.files.clientCa}`,
    ...(o.node ? [] : ["--authorization-mode=RBAC"]),
    // TokenRequest: issuer + signing key enable serviceaccounts/token; audiences default to the issuer.
    `--service-account-issuer=${server}`,
    `--service-account-key-file=${o.files.saPublicKey}`,
    `--service-account-signing-key-file=${o.files.saPrivateKey}`,
    // One range with or without a node (kube-proxy and the controller-manager use the node's): a /16,
    // since a /24 runs out at ~250 Services and the scale benches create one per server.
    `--service-cluster-ip-range=${o.node?.serviceCidr ?? o.serviceClusterIpRange ?? NODE_NETWORK.serviceCidr}`,
    "--allow-privileged=true",
    "--enable-priority-and-fairness=false",
    `--profiling=${o.profiling === true}`,
    "--event-ttl=10m",
    ...(o.node ? nodeOnlyArgs(o.node) : apiOnlyArgs),
  ];
}

// API-only: no kube-controller-manager creates the 'default' ServiceAccount (which the admission
// plugin demands) and nothing in a pod needs the `kubernetes` Service's endpoints (speed).
const apiOnlyArgs = ["--disable-admission-plugins=ServiceAccount", "--endpoint-reconciler-type=none"];

function nodeOnlyArgs(n: NodeApiServer): string[] {
  return [
    // Node authorizer + NodeRestriction: the kubelet's credentials reach only its own node's objects.
    "--authorization-mode=Node,RBAC",
    "--enable-admission-plugins=NodeRestriction",
    // logs/exec/port-forward: the apiserver calls the kubelet as a system:masters client.
    `--kubelet-client-certificate=${n.kubeletClientCert}`,
    `--kubelet-client-key=${n.kubeletClientKey}`,
    "--kubelet-preferred-address-types=InternalIP",
  ];
}
