/** The JSON (UTF-8) of the last object given, serialised again only when another object comes:
 * for snapshots that are replaced, never mutated, when anything in them changes. One entry, so
 * the bound is the snapshot it was made from. */
export function lastJsonBytes<T extends object>(): (o: T) => Buffer {
  let last: T | undefined;
  let bytes = Buffer.alloc(0);
  return (o) => {
    if (o !== last) {
      bytes = Buffer.from(JSON.stringify(o));
      last = o;
    }
    return bytes;
  };
}
