import type { Resource, ResourceTemplate } from "@modelcontextprotocol/sdk/types.js";
import type { BackendCapabilities } from "./types.ts";

/**
 * URIs are never rewritten (clients and backends share them). On a duplicate the lowest backend
 * name wins; `sortedCaps` must already be sorted by backend.
 */
export function mergeResources(
  sortedCaps: BackendCapabilities[],
  warnings: string[],
): { resources: Resource[]; resourceRoutes: Map<string, string> } {
  const resourceRoutes = new Map<string, string>();
  const byUri = new Map<string, Resource>();
  for (const caps of sortedCaps) {
    for (const r of caps.resources) {
      const owner = resourceRoutes.get(r.uri);
      if (owner !== undefined) {
        if (owner !== caps.backend) {
          warnings.push(`resource "${r.uri}": served by ${owner}; duplicate from ${caps.backend} dropped`);
        }
        continue;
      }
      resourceRoutes.set(r.uri, caps.backend);
      byUri.set(r.uri, r);
    }
  }
  const resources = [...byUri.values()].sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
  return { resources, resourceRoutes };
}

export function mergeResourceTemplates(
  sortedCaps: BackendCapabilities[],
  warnings: string[],
): Array<ResourceTemplate & { backend: string }> {
  const byTemplate = new Map<string, ResourceTemplate & { backend: string }>();
  for (const caps of sortedCaps) {
    for (const t of caps.resourceTemplates) {
      const existing = byTemplate.get(t.uriTemplate);
      if (existing) {
        if (existing.backend !== caps.backend) {
          warnings.push(
            `resource template "${t.uriTemplate}": served by ${existing.backend}; duplicate from ${caps.backend} dropped`,
          );
        }
        continue;
      }
      byTemplate.set(t.uriTemplate, { ...t, backend: caps.backend });
    }
  }
  return [...byTemplate.values()].sort((a, b) =>
    a.uriTemplate < b.uriTemplate ? -1 : a.uriTemplate > b.uriTemplate ? 1 : 0,
  );
}
