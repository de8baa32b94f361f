// One readable line for an error that ends a CLI: the cause a user can act on, never a stack.

interface SystemError {
  code?: string;
  syscall?: string;
  path?: string;
  address?: string;
  port?: number;
}

export function cliErrorLine(binary: string, err: unknown): string {
  return `${binary}: ${describe(err)}`;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return firstLine(String(err));
  const e = err as Error & SystemError;
  const where = e.address !== undefined ? `${e.address}${e.port !== undefined ? `:${e.port}` : ""}` : "";
  switch (e.code) {
    case "EADDRINUSE":
      return `cannot listen on ${where || "the requested address"}: address already in use (another process holds the port)`;
    case "EADDRNOTAVAIL":
      return `cannot listen on ${where || "the requested address"}: address not available on this host`;
    case "EACCES":
      return e.syscall === "listen"
        ? `cannot listen on ${where}: permission denied`
        : `${e.path ?? "file"}: permission denied`;
    case "ENOENT":
      if (e.path) return `${e.path}: no such file or directory`;
      break;
    case "EISDIR":
      if (e.path) return `${e.path}: is a directory`;
      break;
  }
  return firstLine(e.message || e.name);
}

const firstLine = (s: string) => s.split("\n")[0]?.trim() ?? "";
