export * from "./audit.ts";
export * from "./authz.ts";
export * from "./build-info.ts";
export * from "./cedar-policies.ts";
export * from "./cli-error.ts";
export * from "./completion.ts";
export * from "./composite.ts";
export * from "./composite-validation.ts";
export * from "./conditions.ts";
export {
  AUTO_MIGRATE_LABEL,
  buildCrd,
  buildCrds,
  buildOpenApiSchema,
  type CustomResourceDefinition,
  PRINTER_COLUMNS,
  type PrinterColumn,
} from "./crd/build.ts";
export type { JSONSchemaProps } from "./crd/openapi.ts";
export { crdFileName, renderCrd, renderCrdFiles } from "./crd/render.ts";
export * from "./discovered-backend.ts";
export * from "./duration.ts";
export * from "./json.ts";
export * from "./kinds/common.ts";
export * from "./kinds/info.ts";
export * from "./kinds/mcp-authz-config.ts";
export * from "./kinds/mcp-external-auth-config.ts";
export * from "./kinds/mcp-group.ts";
export * from "./kinds/mcp-oidc-config.ts";
export * from "./kinds/mcp-remote-proxy.ts";
export * from "./kinds/mcp-server.ts";
export * from "./kinds/mcp-server-entry.ts";
export * from "./kinds/mcp-telemetry-config.ts";
export * from "./kinds/mcp-tool-config.ts";
export * from "./kinds/schemas.ts";
export * from "./kinds/virtual-mcp-composite-tool-definition.ts";
export * from "./kinds/virtual-mcp-server.ts";
export * from "./kinds/workload.ts";
export * from "./log-format.ts";
export type { CelRule } from "./meta.ts";
export * from "./redact.ts";
export * from "./refs.ts";
export * from "./session-storage.ts";
export * from "./telemetry.ts";
export {
  evaluateSingleAction,
  executeTemplate,
  MAX_TEMPLATE_DEPTH,
  MAX_TEMPLATE_OUTPUT_BYTES,
  MISSING as TEMPLATE_MISSING,
  type ParsedTemplate,
  parseTemplate,
  referencedStepOutputs,
  renderTemplate,
  TEMPLATE_FUNCTIONS,
  TemplateError,
  type TemplatePosition,
  templateParseError,
} from "./template/index.ts";
export * from "./vmcp-config.ts";
