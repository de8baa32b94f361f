// Whether this process runs in Kubernetes mode, read from the environment alone: cli.ts decides
// with it before loading anything of the Kubernetes client, which standalone mode never needs.

/** With VMCP_NAME and VMCP_NAMESPACE set the same binary is Kubernetes-aware. */
export function kubernetesTarget(env: NodeJS.ProcessEnv): { name: string; namespace: string } | undefined {
  const name = env.VMCP_NAME?.trim();
  const namespace = env.VMCP_NAMESPACE?.trim();
  return name && namespace ? { name, namespace } : undefined;
}

/** The operator's loopback allowance for local development, passed to the runtime pod. */
export const allowLoopbackBackends = (env: NodeJS.ProcessEnv): boolean =>
  env.VMCP_ALLOW_LOOPBACK_BACKENDS === "true";
