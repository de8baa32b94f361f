import type { ServerResponse } from "node:http";

// tools/list, resources/list, resources/templates/list and prompts/list answered from JSON
// serialised (and UTF-8 encoded) once per list instance (a catalog view's array, or a caller's filtered copy of it),
// paginated with MCP cursors when a page size is configured.

export type ListField = "tools" | "resources" | "resourceTemplates" | "prompts";

export const LIST_FIELDS: Readonly<Record<string, ListField>> = {
  "tools/list": "tools",
  "resources/list": "resources",
  "resources/templates/list": "resourceTemplates",
  "prompts/list": "prompts",
};

/** Largest page size accepted from configuration. */
export const MAX_LIST_PAGE_SIZE = 10_000;

const CURSOR_PREFIX = "vmcp1";

/** Opaque to clients: which list it pages through and where the next page starts. */
export function encodeCursor(field: ListField, offset: number): string {
  return Buffer.from(`${CURSOR_PREFIX}:${field}:${offset}`).toString("base64url");
}

/** The offset a cursor points at, or undefined when it is not one this gateway issued for
 * `field` with this page size (a cursor of another list, a forged offset, garbage). */
export function decodeCursor(field: ListField, cursor: string, pageSize: number): number | undefined {
  if (cursor.length === 0 || cursor.length > 128 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const m = /^([a-z0-9]+):([A-Za-z]+):(\d{1,9})$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!m || m[1] !== CURSOR_PREFIX || m[2] !== field) return undefined;
  const offset = Number(m[3]);
  return offset > 0 && offset % pageSize === 0 ? offset : undefined;
}

export type ListAnswer = { ok: true; result: Buffer } | { ok: false; message: string };

/** The JSON of a list result (`{"tools":[...],"nextCursor":...}`), serialised at most once per
 * list instance and page. Lists are replaced, never mutated, when the catalog changes, and held
 * weakly, so stale bytes go with their list; pages per list are bounded by its length. */
export class ListBytes {
  #pageSize: number | undefined;
  #cache = new WeakMap<readonly unknown[], Map<number, Buffer>>();
  #templates = new WeakMap<readonly object[], readonly object[]>();

  /** pageSize undefined: every list is answered whole and a cursor is refused. */
  constructor(pageSize: number | undefined) {
    this.#pageSize = pageSize;
  }

  answer(field: ListField, items: readonly unknown[], cursor: unknown): ListAnswer {
    let offset = 0;
    if (cursor !== undefined) {
      const size = this.#pageSize;
      const at = typeof cursor === "string" && size ? decodeCursor(field, cursor, size) : undefined;
      if (at === undefined) return { ok: false, message: `Invalid params: unknown cursor for ${field}` };
      offset = at;
    }
    let pages = this.#cache.get(items);
    if (!pages) {
      pages = new Map();
      this.#cache.set(items, pages);
    }
    // A cursor past the end (the list shrank since it was issued) is an empty last page.
    const key = Math.min(offset, items.length);
    let bytes = pages.get(key);
    if (bytes === undefined) {
      bytes = Buffer.from(this.#serialise(field, items, key));
      pages.set(key, bytes);
    }
    return { ok: true, result: bytes };
  }

  /** Resource templates without the gateway's routing field, one array per source array (so
   * its bytes are cached too). */
  templates(source: ReadonlyArray<{ backend: string }>): readonly object[] {
    let out = this.#templates.get(source);
    if (!out) {
      out = source.map(({ backend: _b, ...t }) => t);
      this.#templates.set(source, out);
    }
    return out;
  }

  #serialise(field: ListField, items: readonly unknown[], offset: number): string {
    const size = this.#pageSize;
    if (!size) return JSON.stringify({ [field]: items });
    const end = offset + size;
    const result: Record<string, unknown> = { [field]: items.slice(offset, end) };
    if (end < items.length) result.nextCursor = encodeCursor(field, end);
    return JSON.stringify(result);
  }
}

/** The JSON-RPC envelope up to the result: the answer is this, the cached result bytes, "}". */
export function resultPrefix(id: string | number): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":`;
}

/** Writes a JSON-RPC result around cached bytes: the cached buffer itself goes to the socket,
 * neither copied nor encoded again per request (at thousands of tools a list is megabytes, and a
 * per-call copy cost about as much CPU as the socket write, plus the GC of a megabytes-large
 * buffer per call). Corked, so the headers, envelope, list and closing brace leave in one
 * writev: separate small writes around a large one cost a delayed-ACK round trip on some stacks. */
export function replyWithResult(res: ServerResponse, id: string | number, result: Buffer): void {
  const prefix = Buffer.from(resultPrefix(id));
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": prefix.length + result.length + CLOSE.length,
  });
  res.cork();
  res.write(prefix);
  res.write(result);
  res.end(CLOSE);
}

const CLOSE = Buffer.from("}");
