// The completion scripts run in a real bash: what a user gets on <Tab> after
// eval "$(vmcp completion bash)".
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  type CompletionSpec,
  completionScript,
  parseCompletionShell,
  usageFlags,
} from "../../src/completion.ts";

const spec: CompletionSpec = {
  binary: "vmcp",
  usage: `Usage:
  vmcp serve --config <file> [--host 127.0.0.1] [--log-format json|text]
  vmcp --version | --help
Options:
  -c, --config   Path to config.yaml (not --not-a-flag-inside-a-word: x--y).
`,
  commands: ["serve", "validate", "completion"],
  fileFlags: ["--config", "-c"],
};

/** COMPREPLY for the words typed so far (the last one is the word being completed). */
function complete(script: string, words: string[], cwd?: string): string[] {
  const quoted = words.map((w) => `'${w}'`).join(" ");
  const r = spawnSync(
    "bash",
    [
      "-c",
      `${script}\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _vmcp_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: "utf8", cwd },
  );
  expect(r.stderr).toBe("");
  return r.stdout.split("\n").filter(Boolean).sort();
}

describe("shell completion", () => {
  it("offers the usage's flags, each once, and no fragments of words", () => {
    expect(usageFlags(spec.usage)).toEqual([
      "--config",
      "--host",
      "--log-format",
      "--version",
      "--help",
      "--not-a-flag-inside-a-word",
    ]);
  });

  it("bash: the first word completes commands, a dash completes flags", () => {
    const script = completionScript("bash", spec);
    expect(complete(script, ["vmcp", "s"])).toEqual(["serve"]);
    expect(complete(script, ["vmcp", "serve", "--lo"])).toEqual(["--log-format"]);
    expect(complete(script, ["vmcp", "--ve"])).toEqual(["--version"]);
  });

  it("bash: after --config the word completes file names", () => {
    const script = completionScript("bash", spec);
    expect(
      complete(script, ["vmcp", "serve", "--config", "pack"], new URL("../../", import.meta.url).pathname),
    ).toEqual(["package.json"]);
  });

  it("zsh gets the same function through bashcompinit", () => {
    const script = completionScript("zsh", spec);
    expect(script).toContain("autoload -U +X bashcompinit && bashcompinit");
    expect(script).toContain("complete -F _vmcp_complete vmcp");
  });

  it("an unknown shell is a clear error naming the ones there are", () => {
    expect(parseCompletionShell("bash")).toBe("bash");
    expect(() => parseCompletionShell("fish")).toThrow('completion: expected one of bash, zsh, got "fish"');
    expect(() => parseCompletionShell(undefined, "--completion")).toThrow(
      "--completion: expected one of bash, zsh",
    );
  });
});
