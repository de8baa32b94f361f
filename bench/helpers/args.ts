import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";

/** The bench's own header comment (the leading `//` lines of its file), which says what it
 * measures and how to call it, followed by every flag with its default. */
export function usage(file: string, options: ParseArgsOptionsConfig): string {
  const header: string[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.startsWith("//")) break;
    header.push(line.replace(/^\/\/ ?/, ""));
  }
  const flags = Object.entries(options).map(([name, o]) => {
    const value = o.type === "string" ? " <value>" : "";
    const dflt = o.default === undefined || o.default === false ? "" : ` (default ${String(o.default)})`;
    return `  --${name}${value}${dflt}`;
  });
  return [...header, "", "Flags:", ...flags, "  --help"].join("\n");
}

/** parseArgs for a bench's command line: `--help` prints the usage; an unknown flag, a missing
 * value or a non-number where the default is a number (or a list of numbers) is named with the
 * usage, exit code 2, before anything is started. */
export function benchArgs<const T extends ParseArgsOptionsConfig>(
  moduleUrl: string,
  { options }: { options: T },
  argv: string[] = process.argv.slice(2),
): Pick<ReturnType<typeof parseArgs<{ args: string[]; options: T }>>, "values"> {
  const file = fileURLToPath(moduleUrl);
  const fail = (message: string): never => {
    process.stderr.write(`${message}\n\n${usage(file, options)}\n`);
    process.exit(2);
  };
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: T }>>;
  try {
    parsed = parseArgs({ args: argv.filter((a) => a !== "--help"), options });
  } catch (e) {
    return fail((e as Error).message);
  }
  if (argv.includes("--help")) {
    process.stdout.write(`${usage(file, options)}\n`);
    process.exit(0);
  }
  for (const [name, o] of Object.entries(options)) {
    const numeric = typeof o.default === "string" && /^[\d.]+(,[\d.]+)*$/.test(o.default);
    const v = (parsed.values as Record<string, unknown>)[name];
    if (numeric && typeof v === "string" && !/^[\d.]+(,[\d.]+)*$/.test(v))
      fail(
        `--${name} takes a number${o.default?.toString().includes(",") ? " or a comma list of numbers" : ""}, not "${v}"`,
      );
  }
  return { values: parsed.values };
}
