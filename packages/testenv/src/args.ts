// Command lines for etcd and kube-apiserver. Pure so the flag set is unit-tested; flags follow
// envtest (controller-runtime) and kwokctl, checked against `--help` of the built binaries.

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

export type ApiServerOptions = {
  etcdClientPort: number;
  securePort: number;
  files: ApiServerFiles;
  serviceClusterIpRange?: string;
};

export function apiServerUrl(port: number): string {
  return `https://127.0.0.1:${port}`;
}

export function apiServerArgs(o: ApiServerOptions): string[] {
  const server = apiServerUrl(o.securePort);
  return [
    `--etcd-servers=${etcdClientUrl(o.etcdClientPort)}`,
    "--bind-address=127.0.0.1",
    // Without it a loopback bind makes the apiserver look for a default route (fails on some hosts).
    "--advertise-address=127.0.0.1",
    `--secure-port=${o.securePort}`,
    `--cert-dir=${o.files.certDir}`,
    `--tls-cert-file=${o.files.servingCert}`,
    `--tls-private-key-file=${o.files.servingKey}`,
    `--client-ca-file=${o.files.clientCa}`,
    "--authorization-mode=RBAC",
    // TokenRequest: issuer + signing key enable serviceaccounts/token; audiences default to the issuer.
    `--service-account-issuer=${server}`,
    `--service-account-key-file=${o.files.saPublicKey}`,
    `--service-account-signing-key-file=${o.files.saPrivateKey}`,
    `--service-cluster-ip-range=${o.serviceClusterIpRange ?? "10.0.0.0/24"}`,
    "--allow-privileged=true",
    // No kube-controller-manager creates the 'default' ServiceAccount, which this plugin demands.
    "--disable-admission-plugins=ServiceAccount",
    // Speed: no APF bootstrap objects to create/wait for, no endpoint reconciling loop, no profiling.
    "--enable-priority-and-fairness=false",
    "--endpoint-reconciler-type=none",
    "--profiling=false",
    "--event-ttl=10m",
  ];
}
