// Turns config.telemetry into the process's Telemetry. Off (no block, or no export enabled): the
// hooks stay NO_TELEMETRY and no OpenTelemetry module is ever imported, so start-up time, memory
// and the request path are what they are without it.
import { telemetryEnabled, type VmcpConfig } from "@vmcp/shared-types";
import { lookupEnvSecret, type ResolvedSecrets } from "../config/secrets.ts";
import type { Logger } from "../logger.ts";
import { installTelemetry, NO_TELEMETRY } from "./hooks.ts";

export interface StartedTelemetry {
  /** Exports what is still buffered, then puts the no-op hooks back. */
  shutdown(): Promise<void>;
}

export async function startTelemetry(o: {
  config: VmcpConfig;
  secrets: ResolvedSecrets;
  serviceVersion: string;
  log: Logger;
  env?: NodeJS.ProcessEnv;
}): Promise<StartedTelemetry | undefined> {
  const t = o.config.telemetry;
  if (!telemetryEnabled(t)) return undefined;
  const secretHeaders: Record<string, string> = {};
  for (const [header, envName] of Object.entries(t.headersEnv ?? {})) {
    // Resolved (or refused) when the config was loaded.
    const value = lookupEnvSecret(o.secrets, envName);
    if (value !== undefined) secretHeaders[header] = value;
  }
  const { createOtelTelemetry } = await import("./otel.ts");
  const otel = createOtelTelemetry({
    config: t,
    defaultServiceName: o.config.name,
    serviceVersion: o.serviceVersion,
    secretHeaders,
    env: o.env ?? process.env,
    log: o.log,
  });
  installTelemetry(otel);
  o.log.info(
    {
      endpoint: t.endpoint,
      tracing: t.tracingEnabled,
      metrics: t.metricsEnabled,
      samplingRate: t.samplingRate,
    },
    "telemetry exporting over OTLP/HTTP",
  );
  return {
    async shutdown() {
      installTelemetry(NO_TELEMETRY);
      await otel.shutdown();
    },
  };
}
