import type { IncomingMessage, ServerResponse } from "node:http";

/** Bytes of request bodies held at once, all clients together: a flood of large or stalled
 * bodies is refused instead of growing the heap until the pod is OOM-killed. */
export class BodyBudget {
  #used = 0;
  readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }

  get used(): number {
    return this.#used;
  }

  take(n: number): boolean {
    if (this.#used + n > this.limit) return false;
    this.#used += n;
    return true;
  }

  give(n: number): void {
    this.#used -= n;
  }
}

/** Nesting of `[`/`{` outside strings, fed chunk by chunk, so a deep body is refused after its
 * first few bytes rather than after JSON.parse has built (or overflowed on) millions of levels.
 * UTF-8 continuation bytes never equal these ASCII bytes, so bytes can be scanned as they come. */
export class DepthScanner {
  #depth = 0;
  #inString = false;
  #escaped = false;
  readonly max: number;
  constructor(max: number) {
    this.max = max;
  }

  /** False once the nesting has gone past `max`. Inside strings (most of a tool call's bytes)
   * it jumps from quote to quote with Buffer.indexOf, which is native and several times faster. */
  feed(chunk: Buffer): boolean {
    let depth = this.#depth;
    let inString = this.#inString;
    let escaped = this.#escaped;
    const max = this.max;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (inString) {
        if (escaped) {
          escaped = false;
          i++;
          continue;
        }
        const q = chunk.indexOf(0x22, i);
        const stop = q === -1 ? n : q;
        let backslashes = 0;
        while (stop - backslashes - 1 >= i && chunk[stop - backslashes - 1] === 0x5c) backslashes++;
        if (q === -1) {
          escaped = backslashes % 2 === 1;
          break;
        }
        if (backslashes % 2 === 0) inString = false;
        i = q + 1;
        continue;
      }
      const b = chunk[i] as number;
      if (b === 0x22) inString = true;
      else if (b === 0x5b || b === 0x7b) {
        if (++depth > max) return false;
      } else if (b === 0x5d || b === 0x7d) depth--;
      i++;
    }
    this.#depth = depth;
    this.#inString = inString;
    this.#escaped = escaped;
    return true;
  }
}

export interface BodyLimits {
  maxBytes: number;
  maxDepth: number;
  budget: BodyBudget;
}

export type BodyResult =
  | { ok: true; body: string }
  /** The client went away mid-body: nobody to answer. */
  | { ok: false; reason: "gone" }
  /** Refused. `drain`: the rest of the body is read and dropped (up to maxBytes in all), so the
   * answer can be sent at once and the connection ended cleanly when the body ends; closing a
   * connection with unread bytes resets it, and the reset can destroy the answer before the
   * client reads it. Without `drain` (too large) the connection is closed after the answer. */
  | { ok: false; reason: "too-large" | "busy" | "too-deep"; drain: boolean };

/** Reads a request body within `limits`. What it takes from the budget is given back when the
 * answer is done (`res` closes): the body stays referenced while the call is forwarded. */
export function readBody(req: IncomingMessage, res: ServerResponse, limits: BodyLimits): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared)) {
    if (declared > limits.maxBytes) return refuse(req, "too-large");
    if (declared > limits.budget.limit - limits.budget.used) return refuse(req, "busy");
  }
  let held = 0;
  // 'close' comes once per response: `on` spares the wrapper `once` builds per call.
  res.on("close", () => limits.budget.give(held));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const depth = new DepthScanner(limits.maxDepth);
    let size = 0;
    let done = false;
    const finish = (r: BodyResult) => {
      if (done) return;
      done = true;
      if (!r.ok) chunks.length = 0;
      resolve(r);
    };
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (done) {
        if (size > limits.maxBytes) req.socket.destroy();
        return;
      }
      if (size > limits.maxBytes) return finish({ ok: false, reason: "too-large", drain: false });
      if (!limits.budget.take(chunk.length)) return finish({ ok: false, reason: "busy", drain: true });
      held += chunk.length;
      if (!depth.feed(chunk)) return finish({ ok: false, reason: "too-deep", drain: true });
      chunks.push(chunk);
    });
    req.on("end", () => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      finish({ ok: true, body: body.toString("utf8") });
    });
    req.on("error", () => finish({ ok: false, reason: "gone" }));
    req.on("close", () => finish({ ok: false, reason: "gone" }));
  });
}

function refuse(req: IncomingMessage, reason: "too-large" | "busy"): Promise<BodyResult> {
  req.resume();
  return Promise.resolve({ ok: false, reason, drain: false });
}
