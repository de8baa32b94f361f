import { isDeepStrictEqual } from "node:util";
import type { BackendSpec, RegistryChange } from "./types.ts";

type Listener = (changes: RegistryChange[]) => void;

/** The set of backends that currently exist. Sources call `replaceAll` with their full view
 * (level-triggered); listeners get the computed diff. */
export class BackendRegistry {
  #backends = new Map<string, BackendSpec>();
  #listeners = new Set<Listener>();
  #version = 0;

  get version(): number {
    return this.#version;
  }

  list(): BackendSpec[] {
    return [...this.#backends.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): BackendSpec | undefined {
    return this.#backends.get(name);
  }

  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  replaceAll(next: BackendSpec[]): RegistryChange[] {
    const changes = diffBackends(this.#backends, next);
    if (changes.length === 0) return changes;
    this.#backends = new Map(next.map((b) => [b.name, b]));
    this.#version++;
    for (const l of this.#listeners) l(changes);
    return changes;
  }
}

export function diffBackends(current: Map<string, BackendSpec>, next: BackendSpec[]): RegistryChange[] {
  const changes: RegistryChange[] = [];
  const seen = new Set<string>();
  for (const b of next) {
    seen.add(b.name);
    const prev = current.get(b.name);
    if (!prev) changes.push({ type: "added", backend: b });
    else if (!isDeepStrictEqual(prev, b)) changes.push({ type: "updated", backend: b, previous: prev });
  }
  for (const [name, b] of current) if (!seen.has(name)) changes.push({ type: "removed", backend: b });
  return changes;
}
