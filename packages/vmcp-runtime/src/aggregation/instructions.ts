/** Longest instructions kept from one backend, and from all of them together: they go into every
 * initialize answer, and a backend must not be able to make those arbitrarily large. */
export const MAX_BACKEND_INSTRUCTIONS = 4 * 1024;
export const MAX_INSTRUCTIONS = 32 * 1024;

const cut = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** What the gateway tells a client in `initialize`: its own instructions, then each advertised
 * backend's, under the backend's name (the client sees one server, and tool names alone do not
 * say which backend's advice applies to which tools). Backends in name order. */
export function aggregateInstructions(
  own: string | undefined,
  backends: ReadonlyArray<{ backend: string; instructions: string | undefined }>,
): string | undefined {
  const parts: string[] = [];
  if (own?.trim()) parts.push(own.trim());
  const sorted = [...backends].sort((a, b) => (a.backend < b.backend ? -1 : a.backend > b.backend ? 1 : 0));
  for (const { backend, instructions } of sorted) {
    const text = instructions?.trim();
    if (text)
      parts.push(
        `Backend '${backend}' (its tools, prompts and resources):\n${cut(text, MAX_BACKEND_INSTRUCTIONS)}`,
      );
  }
  return parts.length > 0 ? cut(parts.join("\n\n"), MAX_INSTRUCTIONS) : undefined;
}
