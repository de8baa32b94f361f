import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import type { CliIo } from "./cli-io.ts";
import { starterBackends, starterConfig } from "./init-config.ts";

interface InitFlags {
  output: string;
  name: string;
  force: boolean;
}

/** `vmcp init`: usage errors (no or bad URLs) exit 2; an existing file or a failed write exits 1. */
export async function runInit(
  urls: string[],
  flags: InitFlags,
  io: CliIo,
  usageError: (message: string) => number,
): Promise<number> {
  let text: string;
  try {
    text = starterConfig({ name: flags.name, backends: starterBackends(urls) });
  } catch (err) {
    return usageError(err instanceof Error ? err.message : String(err));
  }
  if (flags.output === "-") {
    io.out(text.trimEnd());
    return 0;
  }
  if (existsSync(flags.output) && !flags.force) {
    io.err(`vmcp: ${flags.output} already exists (use --force to overwrite)`);
    return 1;
  }
  try {
    await writeFile(flags.output, text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.err(`vmcp: cannot write ${flags.output}: ${code ?? (err as Error).message}`);
    return 1;
  }
  io.out(
    `wrote ${flags.output} (${urls.length} backends); check it with: vmcp validate --config ${flags.output}`,
  );
  return 0;
}
