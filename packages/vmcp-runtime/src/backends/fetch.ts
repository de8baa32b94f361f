import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type Dispatcher, fetch as undiciFetch } from "undici";

/** A fetch for SDK transports: goes through the backend's stream pool (keep-alive, CA bundle) and adds
 * outgoing headers computed per request (auth may refresh). */
export function backendFetch(
  dispatcher: Dispatcher,
  extraHeaders: () => Promise<Record<string, string>>,
): FetchLike {
  return async (url, init) => {
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(await extraHeaders())) headers.set(k, v);
    const opts = { ...(init ?? {}), headers, dispatcher } as unknown as Parameters<typeof undiciFetch>[1];
    return (await undiciFetch(url, opts)) as unknown as Response;
  };
}
