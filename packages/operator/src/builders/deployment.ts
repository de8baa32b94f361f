import type {
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1PodTemplateSpec,
  V1Volume,
  V1VolumeMount,
} from "@kubernetes/client-node";
import type { SecretEnv } from "@vmcp/kube-kit/secret-env";
import {
  CONFIG_KEY,
  CONFIG_MOUNT_DIR,
  caBundleMountDir,
  caBundleVolumeName,
  configMapName,
  DEFAULT_CA_BUNDLE_KEY,
  deploymentName,
  RUNCONFIG_CHECKSUM_ANNOTATION,
  rbacName,
  SESSION_KEYS_KEY,
  sessionKeysSecretName,
  VMCP_CONTAINER,
  VMCP_PORT,
  workloadLabels,
} from "./names.ts";
import { controllerRef, type OwnerInfo } from "./owner.ts";
import { overlayPodTemplate, parsePodTemplateOverlay } from "./pod-template-overlay.ts";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./security-context.ts";

export type { SecretEnv };

/** An MCPServerEntry CA bundle to mount at /etc/toolhive/ca-bundles/<entry>/<key>. */
export interface CaBundleMount {
  entry: string;
  configMap: string;
  key?: string;
}

export interface DeploymentInput {
  owner: OwnerInfo;
  namespace: string;
  image: string;
  imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  /** Content checksum of the ConfigMap; changes roll the pods. */
  configChecksum: string;
  debug: boolean;
  /** The operator's loopback allowance for local development (VMCP_ALLOW_LOOPBACK_BACKENDS). */
  allowLoopbackBackends?: boolean;
  replicas?: number;
  imagePullSecrets?: { name: string }[];
  secretEnv: SecretEnv[];
  caBundles: CaBundleMount[];
  /** spec.podTemplateSpec as stored; throws InvalidPodTemplateSpecError when unusable. */
  podTemplateSpec?: unknown;
}

/** `vmcp serve` as every runtime pod runs it (VirtualMCPServer and MCPRemoteProxy alike). */
export const runtimeServeArgs = (): string[] => [
  "serve",
  `--config=${CONFIG_MOUNT_DIR}/${CONFIG_KEY}`,
  "--host=0.0.0.0",
  `--port=${VMCP_PORT}`,
  // Behind a Service, kube-proxy still routes to the pod for a moment after SIGTERM: keep
  // answering that long (plus the 20 s in-flight grace, below the 30 s termination grace period).
  "--shutdown-delay=5s",
];

function envVars(input: DeploymentInput): V1EnvVar[] {
  const fixed: V1EnvVar[] = [
    { name: "VMCP_NAME", value: input.owner.name },
    { name: "VMCP_NAMESPACE", value: input.namespace },
    // Every replica seals and opens session ids with the same keys, so any one can continue any
    // client session. From the Secret the operator creates; never in the ConfigMap.
    {
      name: "VMCP_SESSION_KEYS",
      valueFrom: { secretKeyRef: { name: sessionKeysSecretName(input.owner.name), key: SESSION_KEYS_KEY } },
    },
  ];
  if (input.allowLoopbackBackends) fixed.push({ name: "VMCP_ALLOW_LOOPBACK_BACKENDS", value: "true" });
  return [...fixed, ...secretEnvVars(input.secretEnv)];
}

/** Secret-backed env vars (secretKeyRef, never a value), sorted and one per name. */
export function secretEnvVars(secretEnv: readonly SecretEnv[]): V1EnvVar[] {
  const seen = new Set<string>();
  return [...secretEnv]
    .sort((a, b) => (a.env < b.env ? -1 : a.env > b.env ? 1 : 0))
    .filter((s) => {
      if (seen.has(s.env)) return false;
      seen.add(s.env);
      return true;
    })
    .map((s) => ({ name: s.env, valueFrom: { secretKeyRef: { name: s.secretName, key: s.key } } }));
}

/** One read-only ConfigMap volume per CA bundle, mounted at caBundleMountDir(entry). */
export function caBundleVolumes(bundles: readonly CaBundleMount[]): {
  volumes: V1Volume[];
  mounts: V1VolumeMount[];
} {
  const vols: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  for (const b of [...bundles].sort((a, b) => (a.entry < b.entry ? -1 : a.entry > b.entry ? 1 : 0))) {
    const name = caBundleVolumeName(b.entry);
    const key = b.key || DEFAULT_CA_BUNDLE_KEY;
    // optional: a missing CA ConfigMap fails that one backend (the entry is Failed), not the pod.
    vols.push({ name, configMap: { name: b.configMap, items: [{ key, path: key }], optional: true } });
    mounts.push({ name, mountPath: caBundleMountDir(b.entry), readOnly: true });
  }
  return { volumes: vols, mounts };
}

function volumes(input: DeploymentInput): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const vols: V1Volume[] = [
    { name: "vmcp-config", configMap: { name: configMapName(input.owner.name) } },
    // The root filesystem is read-only; Node and libraries still want a writable /tmp.
    { name: "tmp", emptyDir: {} },
  ];
  const mounts: V1VolumeMount[] = [
    { name: "vmcp-config", mountPath: CONFIG_MOUNT_DIR, readOnly: true },
    { name: "tmp", mountPath: "/tmp" },
  ];
  const ca = caBundleVolumes(input.caBundles);
  return { volumes: [...vols, ...ca.volumes], mounts: [...mounts, ...ca.mounts] };
}

export function buildDeployment(input: DeploymentInput): V1Deployment {
  const overlay = parsePodTemplateOverlay(input.podTemplateSpec);
  const name = input.owner.name;
  const labels = workloadLabels(name);
  const podAnnotations = { [RUNCONFIG_CHECKSUM_ANNOTATION]: input.configChecksum };
  const { volumes: vols, mounts } = volumes(input);
  const args = runtimeServeArgs();
  if (input.debug) args.push("--debug");

  const container: V1Container = {
    name: VMCP_CONTAINER,
    image: input.image,
    imagePullPolicy: input.imagePullPolicy ?? "IfNotPresent",
    args,
    ports: [{ name: "http", containerPort: VMCP_PORT, protocol: "TCP" }],
    env: envVars(input),
    volumeMounts: mounts,
    livenessProbe: {
      httpGet: { path: "/health", port: "http" },
      initialDelaySeconds: 30,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    },
    // /readyz itself waits for the first discovery round, so an initial delay only slows every
    // rollout step (maxSurge 1: one new pod Ready before the next old one goes).
    readinessProbe: {
      httpGet: { path: "/readyz", port: "http" },
      initialDelaySeconds: 1,
      periodSeconds: 2,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    resources: {
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { cpu: "500m", memory: "512Mi" },
    },
    securityContext: restrictedContainerSecurity(),
  };

  const base: V1PodTemplateSpec = {
    metadata: { labels, annotations: podAnnotations },
    spec: {
      serviceAccountName: rbacName(name),
      terminationGracePeriodSeconds: 30,
      securityContext: restrictedPodSecurity(),
      containers: [container],
      volumes: vols,
      // Replicas on different nodes where the scheduler can: a node drain or failure then takes
      // one replica, not all. ScheduleAnyway keeps a one-node cluster schedulable.
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: labels },
        },
      ],
    },
  };
  if (input.imagePullSecrets && input.imagePullSecrets.length > 0 && base.spec) {
    base.spec.imagePullSecrets = input.imagePullSecrets.map((s) => ({ name: s.name }));
  }
  const template = overlayPodTemplate(base, overlay, { labels, annotations: podAnnotations });

  const deployment: V1Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: deploymentName(name),
      namespace: input.namespace,
      labels,
      ownerReferences: [controllerRef(input.owner)],
    },
    spec: {
      selector: { matchLabels: labels },
      // A new pod is ready before an old one goes: a rollout never lowers serving capacity.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template,
    },
  };
  // Left out when unset so an HPA (or kubectl scale) can own the replica count.
  if (input.replicas !== undefined && deployment.spec) deployment.spec.replicas = input.replicas;
  return deployment;
}
