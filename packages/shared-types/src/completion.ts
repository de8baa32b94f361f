// Shell completion for the two CLIs, generated from their --help text so a flag added to the
// usage is completed without a second list to keep in step. zsh loads the same bash function
// through bashcompinit (shipped with zsh), which is all the completion needs.

export type CompletionShell = "bash" | "zsh";

export interface CompletionSpec {
  binary: string;
  /** The --help text; every `--flag` in it is offered. */
  usage: string;
  /** Subcommands offered as the first word (none for a flags-only CLI). */
  commands?: readonly string[];
  /** Flags followed by a file path: the word after them completes file names. */
  fileFlags?: readonly string[];
}

export const COMPLETION_SHELLS: readonly CompletionShell[] = ["bash", "zsh"];

/** Every `--flag` the usage text names, in order, each once. */
export function usageFlags(usage: string): string[] {
  return [...new Set([...usage.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map((m) => m[0]))];
}

export function completionScript(shell: CompletionShell, spec: CompletionSpec): string {
  const fn = `_${spec.binary.replace(/[^A-Za-z0-9]/g, "_")}_complete`;
  const flags = usageFlags(spec.usage).join(" ");
  const commands = (spec.commands ?? []).join(" ");
  const fileFlags = (spec.fileFlags ?? []).join("|");
  const bash = [
    `${fn}() {`,
    `  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"`,
    ...(fileFlags
      ? [`  case "$prev" in ${fileFlags}) COMPREPLY=($(compgen -f -- "$cur")); return;; esac`]
      : []),
    ...(commands
      ? [
          `  if [ "$COMP_CWORD" -eq 1 ] && [[ "$cur" != -* ]]; then`,
          `    COMPREPLY=($(compgen -W "${commands}" -- "$cur")); return`,
          "  fi",
        ]
      : []),
    `  COMPREPLY=($(compgen -W "${flags}" -- "$cur"))`,
    "}",
    `complete -F ${fn} ${spec.binary}`,
  ];
  const header =
    shell === "zsh"
      ? [
          `# zsh completion for ${spec.binary}: eval "$(${spec.binary} completion zsh)" in ~/.zshrc`,
          "autoload -U +X bashcompinit && bashcompinit",
        ]
      : [`# bash completion for ${spec.binary}: eval "$(${spec.binary} completion bash)" in ~/.bashrc`];
  return `${[...header, ...bash].join("\n")}\n`;
}

/** The shell named on the command line; throws a one-line error listing the ones there are. */
export function parseCompletionShell(text: string | undefined, what = "completion"): CompletionShell {
  const shell = COMPLETION_SHELLS.find((s) => s === text);
  if (shell) return shell;
  const got = text === undefined ? "" : `, got ${JSON.stringify(text)}`;
  throw new Error(`${what}: expected one of ${COMPLETION_SHELLS.join(", ")}${got}`);
}
