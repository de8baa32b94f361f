// The `vmcp` binary as a user runs it: --version, one-line errors with the documented exit codes
// (2 usage, 1 runtime failure, never a stack trace) and `vmcp init` writing a config that
// `vmcp validate` accepts and `vmcp serve` serves.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { type StartedBackend, startBackend } from "../fixtures/backend.ts";
import { registerEcho } from "../fixtures/features.ts";
import { spawnNode } from "../fixtures/process.ts";
import { servingUrl } from "../fixtures/serve-process.ts";

const MAIN = join(import.meta.dirname, "../../src/main.ts");
const run = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  spawnSync(process.execPath, [MAIN, ...args], {
    encoding: "utf8",
    timeout: 30_000,
    cwd: opts.cwd,
    env: opts.env ?? { PATH: process.env.PATH },
  });

/** One line on stderr, naming the binary, without a stack frame. */
function expectOneLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trimEnd().split("\n");
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^vmcp: /);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/^\s+at /m);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "vmcp-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("vmcp completion", () => {
  const tab = (script: string, words: string[]) => {
    const typed = `COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}`;
    const b = spawnSync("bash", ["-c", `${script}\n${typed}; _vmcp_complete; echo "\${COMPREPLY[@]}"`], {
      encoding: "utf8",
    });
    return b.stdout.trim().split(" ").sort();
  };

  it("bash: <Tab> completes the commands, then the flags of --help, in a real bash", () => {
    const r = run(["completion", "bash"]);
    expect(r.status).toBe(0);
    expect(tab(r.stdout, ["vmcp", "va"])).toEqual(["validate"]);
    expect(tab(r.stdout, ["vmcp", "serve", "--shutdown-"])).toEqual(["--shutdown-delay", "--shutdown-grace"]);
  });

  it("zsh gets the same completion through bashcompinit; an unknown shell is a usage error", () => {
    expect(run(["completion", "zsh"]).stdout).toContain("bashcompinit");
    const r = run(["completion", "fish"]);
    expect(r.status).toBe(2);
    expectOneLine(r.stderr, /completion: expected one of bash, zsh, got "fish"/);
  });
});

describe("vmcp --version", () => {
  it("prints the package version and 'unknown' for the commit when run from source", () => {
    const r = run(["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`vmcp ${pkg.version} (commit unknown)\n`);
  });

  it("reports the commit an image build sets in VMCP_GIT_COMMIT", () => {
    const r = run(["--version"], { env: { PATH: process.env.PATH, VMCP_GIT_COMMIT: "0123abcDEF99" } });
    expect(r.stdout).toBe(`vmcp ${pkg.version} (commit 0123abcdef99)\n`);
  });
});

describe("usage errors exit 2 with one line", () => {
  const cases: [string[], RegExp][] = [
    [["frobnicate"], /unknown command "frobnicate"/],
    [["serve"], /--config <file> is required/],
    [["serve", "--config", "x.yaml", "--port", "http"], /invalid --port http/],
    [["serve", "--bogus"], /Unknown option '--bogus'/],
    [["init"], /give at least one backend URL/],
    [["init", "ftp://example.com"], /not an http\(s\) URL/],
  ];
  for (const [args, pattern] of cases) {
    it(`vmcp ${args.join(" ")}`, () => {
      const r = run(args, { cwd: dir });
      expect(r.status).toBe(2);
      expectOneLine(r.stderr, pattern);
    });
  }
});

describe("runtime failures exit 1 with one line", () => {
  let holder: Server;
  let busyPort: number;
  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    busyPort = (holder.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  it("a missing config file", () => {
    const r = run(["serve", "--config", join(dir, "absent.yaml")]);
    expect(r.status).toBe(1);
    expectOneLine(r.stderr, /cannot read config file .*absent\.yaml: ENOENT/);
  });

  it("an unreadable config (a directory)", () => {
    const r = run(["validate", "--config", dir]);
    expect(r.status).toBe(1);
    expectOneLine(r.stderr, /cannot read config file .*: EISDIR/);
  });

  it("a port in use", () => {
    const file = join(dir, "busy.yaml");
    writeFileSync(
      file,
      "name: busy\ngroupRef: busy\nincomingAuth:\n  type: anonymous\nbackends:\n  - name: b\n    url: http://127.0.0.1:9/mcp\n    transport: streamable-http\n",
    );
    const r = run(["serve", "--config", file, "--port", String(busyPort)]);
    expect(r.status).toBe(1);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("vmcp: "));
    expect(errors).toEqual([
      `vmcp: cannot listen on 127.0.0.1:${busyPort}: address already in use (another process holds the port)`,
    ]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe("vmcp init", () => {
  let alpha: StartedBackend;
  let beta: StartedBackend;
  beforeAll(async () => {
    alpha = await startBackend({ name: "alpha", register: registerEcho });
    beta = await startBackend({ name: "beta", register: registerEcho });
  });
  afterAll(async () => {
    await alpha?.close();
    await beta?.close();
  });

  it("writes a commented config for N URLs that validate accepts and serve serves", async () => {
    const cwd = mkdtempSync(join(dir, "init-"));
    const r = run(["init", "--name", "team", alpha.url, beta.url, "https://docs.example.com/sse"], { cwd });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("wrote config.yaml (3 backends)");
    const text = readFileSync(join(cwd, "config.yaml"), "utf8");
    expect(text).toMatch(/^# /m);
    expect(text).toContain(`url: "${alpha.url}"`);
    expect(text).toContain("transport: sse");

    const v = run(["validate", "--config", "config.yaml"], { cwd });
    expect(v.stdout.trim()).toBe("config.yaml: valid (3 static backends)");
    expect(v.status).toBe(0);

    // The two local backends by their (deduplicated) names, tools prefixed as the comments say.
    const served = await spawnNode(
      [MAIN, "serve", "--config", join(cwd, "config.yaml"), "--port", "0"],
      servingUrl,
    );
    try {
      const status = (await (await fetch(new URL("/status", served.value))).json()) as {
        backends?: { name: string }[];
      };
      expect(status.backends?.map((b) => b.name).sort()).toEqual(["backend", "backend-2", "docs"]);
    } finally {
      await served.stop();
    }
  });

  it("keeps an existing file unless --force (exit 1), and --output - prints instead", () => {
    const cwd = mkdtempSync(join(dir, "force-"));
    writeFileSync(join(cwd, "config.yaml"), "mine\n");
    const r = run(["init", alpha.url], { cwd });
    expect(r.status).toBe(1);
    expectOneLine(r.stderr, /config\.yaml already exists \(use --force to overwrite\)/);
    expect(readFileSync(join(cwd, "config.yaml"), "utf8")).toBe("mine\n");
    expect(run(["init", "--force", alpha.url], { cwd }).status).toBe(0);
    expect(readFileSync(join(cwd, "config.yaml"), "utf8")).toContain(alpha.url);
    const printed = run(["init", "--output", "-", alpha.url], { cwd });
    expect(printed.status).toBe(0);
    expect(printed.stdout).toContain(`url: "${alpha.url}"`);
  });
});

describe("vmcp serve logs", () => {
  let backend: StartedBackend;
  let file: string;
  beforeAll(async () => {
    backend = await startBackend({ name: "alpha", register: registerEcho });
    file = join(dir, "logs.yaml");
    writeFileSync(
      file,
      `name: logs\ngroupRef: logs\nincomingAuth:\n  type: anonymous\nbackends:\n  - name: alpha\n    url: ${backend.url}\n    transport: streamable-http\n`,
    );
  });
  afterAll(() => backend?.close());

  const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

  it("json: ISO time, level names, and an info line when a backend's health changes", async () => {
    const transition = (l: string) => {
      try {
        const o = JSON.parse(l) as { msg?: string; backend?: string; to?: string };
        return o.backend === "alpha" && o.to === "healthy" ? l : undefined;
      } catch {
        return undefined;
      }
    };
    const served = await spawnNode([MAIN, "serve", "--config", file, "--port", "0"], transition);
    await served.stop();
    const line = JSON.parse(served.value) as Record<string, unknown>;
    expect(line.time).toMatch(ISO);
    expect(line).toMatchObject({
      level: "info",
      name: "vmcp",
      backend: "alpha",
      from: "unknown",
      to: "healthy",
    });
  });

  it("text: the same records as <time> <LEVEL> [vmcp] <msg> key=value lines", async () => {
    const serving = (l: string) => (/ INFO +\[vmcp\] vmcp serving /.test(l) ? l : undefined);
    const served = await spawnNode(
      [MAIN, "serve", "--config", file, "--port", "0", "--log-format", "text"],
      serving,
    );
    await served.stop();
    const [time] = served.value.split(" ");
    expect(time).toMatch(ISO);
    expect(served.value).toMatch(/ vmcp serving url=http:\/\/127\.0\.0\.1:\d+\/mcp backends=\["alpha"\]$/);
  });

  it("--log-format xml is a usage error", () => {
    const r = run(["serve", "--config", file, "--log-format", "xml"]);
    expect(r.status).toBe(2);
    expectOneLine(r.stderr, /--log-format must be json or text, got "xml"/);
  });
});
