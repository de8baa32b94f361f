import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";

/** client-go re-reads a token file once a minute: the kubelet rotates a projected token well
 * before it expires (at 80 % of its lifetime), so a minute-old copy is always still valid. */
export const TOKEN_REFRESH_MS = 60_000;

export interface TokenFileOptions {
  file: string;
  /** How errors name the file, e.g. "tokenFile". */
  what: string;
  refreshMs?: number;
  /** Tests: the clock the token's age is measured with. */
  now?: () => number;
  /** The error to throw for an unreadable or empty file; `problem` names it. */
  fail: (problem: string, cause?: unknown) => Error;
}

function tokenOf(text: string, o: TokenFileOptions): string {
  const token = text.trim();
  if (!token) throw o.fail(`${o.what} ${o.file} is empty`);
  return token;
}

function readNow(file: string, cannotRead: (err: unknown) => Error): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw cannotRead(err);
  }
}

/**
 * A bearer token kept in a file: read now (an unreadable or empty file throws here), re-read once
 * the copy is `refreshMs` old, concurrent callers sharing one read. A later failed read throws
 * too: a rotated-away or deleted token is not silently replaced by the stale one.
 */
export function tokenFileReader(o: TokenFileOptions): () => Promise<string> {
  const refreshMs = o.refreshMs ?? TOKEN_REFRESH_MS;
  const now = o.now ?? Date.now;
  const cannotRead = (err: unknown) =>
    o.fail(`cannot read ${o.what} ${o.file}: ${(err as Error).message}`, err);
  let token = tokenOf(readNow(o.file, cannotRead), o);
  let readAt = now();
  let reading: Promise<string> | undefined;
  return async () => {
    if (now() - readAt < refreshMs) return token;
    reading ??= readFile(o.file, "utf8")
      .then(
        (text) => {
          token = tokenOf(text, o);
          readAt = now();
          return token;
        },
        (err: unknown) => {
          throw cannotRead(err);
        },
      )
      .finally(() => {
        reading = undefined;
      });
    return await reading;
  };
}
