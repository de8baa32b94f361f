// The controllers the operator runs. The manager calls each factory once with the shared context;
// a new controller is registered by adding its factory here.
import type { ControllerFactory } from "../kit/context.ts";
import { compositeToolDefinitionController } from "./compositetooldefinition.ts";
import { mcpAuthzConfigController } from "./mcpauthzconfig.ts";
import { mcpExternalAuthConfigController } from "./mcpexternalauthconfig.ts";
import { mcpGroupController } from "./mcpgroup.ts";
import { mcpOidcConfigController } from "./mcpoidcconfig.ts";
import { mcpRemoteProxyController } from "./mcpremoteproxy.ts";
import { mcpServerController } from "./mcpserver.ts";
import { mcpServerEntryController } from "./mcpserverentry.ts";
import { mcpTelemetryConfigController } from "./mcptelemetryconfig.ts";
import { mcpToolConfigController } from "./mcptoolconfig.ts";
import { createVirtualMCPServerController } from "./virtualmcpserver/controller.ts";

/** The small controllers that validate and summarise the kinds a VirtualMCPServer refers to. */
export const SUPPORTING_CONTROLLERS: readonly ControllerFactory[] = [
  mcpGroupController,
  mcpServerEntryController,
  mcpExternalAuthConfigController,
  mcpToolConfigController,
  compositeToolDefinitionController,
  mcpAuthzConfigController,
  mcpOidcConfigController,
  mcpTelemetryConfigController,
];

/** The controllers that run a workload kind's pods. */
export const WORKLOAD_CONTROLLERS: readonly ControllerFactory[] = [
  mcpServerController,
  mcpRemoteProxyController,
];

/** Everything `vmcp-operator` runs by default. */
export const DEFAULT_CONTROLLERS: readonly ControllerFactory[] = [
  ...SUPPORTING_CONTROLLERS,
  ...WORKLOAD_CONTROLLERS,
  createVirtualMCPServerController,
];
