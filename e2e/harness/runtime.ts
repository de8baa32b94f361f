// Runs the vMCP runtime as its pod would: `vmcp serve --config <config.yaml from the operator's
// ConfigMap>` with VMCP_NAME/VMCP_NAMESPACE, authenticated as the ServiceAccount the operator
// created for it (a TokenRequest token, like a projected volume), so its RBAC is the operator's Role.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { KubeConfig } from "@kubernetes/client-node";
import { serviceAccountKubeConfig } from "@vmcp/testenv";
import { waitFor } from "./kube.ts";

const MAIN = resolve(import.meta.dirname, "../../packages/vmcp-runtime/src/main.ts");

export interface RuntimeProcess {
  /** http://127.0.0.1:<port> */
  url: string;
  mcpUrl: string;
  pid: number | undefined;
  kubeconfigPath: string;
  configPath: string;
  /** The last lines the runtime logged (for failure messages). */
  recentLogs(): string[];
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((done) => srv.listen(0, "127.0.0.1", done));
  const address = srv.address();
  await new Promise<void>((done) => srv.close(() => done()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

export async function startRuntime(o: {
  admin: KubeConfig;
  namespace: string;
  name: string;
  serviceAccount: string;
  configYaml: string;
  /** Working directory for config.yaml, the kubeconfig and runtime.log. */
  dir: string;
  port?: number;
}): Promise<RuntimeProcess> {
  mkdirSync(o.dir, { recursive: true });
  const configPath = join(o.dir, "config.yaml");
  writeFileSync(configPath, o.configYaml);
  const sa = await serviceAccountKubeConfig(o.admin, o.namespace, o.serviceAccount, {
    expirationSeconds: 24 * 3600,
  });
  const kubeconfigPath = join(o.dir, "runtime.kubeconfig");
  writeFileSync(kubeconfigPath, sa.exportConfig(), { mode: 0o600 });
  const port = o.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VMCP_NAME: o.name,
    VMCP_NAMESPACE: o.namespace,
    // What the Deployment of an operator run with allowLoopbackEntries (as the harness runs it)
    // sets: the sample entries listen on 127.0.0.1.
    VMCP_ALLOW_LOOPBACK_BACKENDS: "true",
    KUBECONFIG: kubeconfigPath,
  };
  delete env.KUBERNETES_SERVICE_HOST;
  const child: ChildProcess = spawn(
    process.execPath,
    [MAIN, "serve", `--config=${configPath}`, "--host=127.0.0.1", `--port=${port}`],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  const logFile = createWriteStream(join(o.dir, "runtime.log"));
  const recent: string[] = [];
  const onLine = (line: string) => {
    logFile.write(`${line}\n`);
    recent.push(line);
    if (recent.length > 50) recent.shift();
  };
  if (child.stdout) createInterface({ input: child.stdout }).on("line", onLine);
  if (child.stderr) createInterface({ input: child.stderr }).on("line", onLine);
  let exited: string | undefined;
  const exit = new Promise<void>((done) => {
    child.once("exit", (code, signal) => {
      exited = signal ?? `exit ${code}`;
      done();
    });
  });

  const stop = async () => {
    if (exited === undefined) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exit;
      clearTimeout(timer);
    }
    await new Promise<void>((done) => logFile.end(() => done()));
  };

  try {
    await waitFor(
      "the runtime's /readyz",
      async () => {
        if (exited !== undefined) throw new Error(`runtime exited (${exited})`);
        const res = await fetch(`${url}/readyz`);
        return res.ok;
      },
      60_000,
      100,
    );
  } catch (err) {
    await stop();
    throw new Error(
      `${err instanceof Error ? err.message : String(err)}\nruntime log:\n${recent.join("\n")}`,
    );
  }
  return {
    url,
    mcpUrl: `${url}/mcp`,
    pid: child.pid,
    kubeconfigPath,
    configPath,
    recentLogs: () => [...recent],
    stop,
  };
}
