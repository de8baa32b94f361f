// Bundles the two programs the images run, `vmcp` and `vmcp-operator`, into plain JavaScript
// with esbuild: Node then neither strips types from each .ts file nor resolves hundreds of
// package files at start (docs/performance.md has the measurements). Kubernetes mode of the
// runtime stays a separate chunk that standalone mode never loads.
//   node scripts/bundle.ts [runtime|operator ...]   (default: both)
// Writes packages/vmcp-runtime/dist/vmcp.mjs and packages/operator/dist/vmcp-operator.mjs (plus
// chunks). The Cedar engine stays external: it reads its .wasm file beside its own module, so the
// images keep the production node_modules for it.
import { spawnSync } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";

const root = new URL("../", import.meta.url).pathname;

const TARGETS = {
  runtime: { entry: "packages/vmcp-runtime/src/main.ts", outdir: "packages/vmcp-runtime/dist", name: "vmcp" },
  operator: {
    entry: "packages/operator/src/main.ts",
    outdir: "packages/operator/dist",
    name: "vmcp-operator",
  },
} as const;
type Target = keyof typeof TARGETS;

const isTarget = (t: string): t is Target => Object.hasOwn(TARGETS, t);
const wanted = process.argv.slice(2);
for (const t of wanted) {
  if (!isTarget(t)) {
    process.stderr.write(`bundle: unknown target ${JSON.stringify(t)} (runtime, operator)\n`);
    process.exit(2);
  }
}
const targets = (wanted.length > 0 ? wanted : Object.keys(TARGETS)).filter(isTarget);

// `--version` and the *_build_info gauges report this commit: VMCP_GIT_COMMIT (an image build
// passes it, having no .git), else the checkout's HEAD, else none ("unknown" at run time).
const gitHead = spawnSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: root, encoding: "utf8" });
const commit = process.env.VMCP_GIT_COMMIT || (gitHead.status === 0 ? gitHead.stdout.trim() : "");

// An ESM import of node:http builds its namespace from every export, which runs the lazy
// WebSocket/CloseEvent/MessageEvent getters and so loads Node's internal copy of undici: about
// 2 MiB of RSS a process that never opens a WebSocket pays at start. Imports of node:http are
// served instead from require() (no namespace) with the plain exports named; the getters stay on
// the default export, evaluated only if something reads them.
const httpModule = createRequire(import.meta.url)("node:http") as Record<string, unknown>;
const httpPlainExports = Object.keys(httpModule).filter(
  (k) => !Object.getOwnPropertyDescriptor(httpModule, k)?.get && /^[A-Za-z_$][\w$]*$/.test(k),
);
const httpWithoutGetters: Plugin = {
  name: "node-http-without-getters",
  setup(b) {
    b.onResolve({ filter: /^(node:)?http$/ }, (args) =>
      args.kind === "import-statement" || args.kind === "dynamic-import"
        ? { path: "node:http", namespace: "vmcp-node-http" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "vmcp-node-http" }, () => ({
      contents: [
        'import { createRequire } from "node:module";',
        'const http = createRequire(import.meta.url)("node:http");',
        "export default http;",
        `export const { ${httpPlainExports.join(", ")} } = http;`,
      ].join("\n"),
      loader: "js",
    }));
  },
};

for (const t of targets) {
  const { entry, outdir, name } = TARGETS[t];
  await rm(join(root, outdir), { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { [name]: entry },
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node24",
    // Bundled CommonJS packages call require(); ESM output has none unless it is made here.
    banner: {
      js: 'import { createRequire as __vmcpCreateRequire } from "node:module"; const require = __vmcpCreateRequire(import.meta.url);',
    },
    external: ["@cedar-policy/cedar-wasm", "@cedar-policy/cedar-wasm/*"],
    // Whitespace and syntax only: names stay readable in stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: "linked",
    legalComments: "linked",
    logLevel: "warning",
    metafile: true,
    plugins: [httpWithoutGetters],
    define: commit ? { __VMCP_COMMIT__: JSON.stringify(commit) } : {},
  });
  const outputs = Object.entries(result.metafile?.outputs ?? {});
  // One non-ASCII character (esbuild leaves those of regex literals as they are) makes Node hold
  // that whole chunk as two-byte source: the 1.5 MiB shared chunk then costs 1.4 MiB more RSS.
  for (const [file] of outputs.filter(([f]) => f.endsWith(".mjs"))) {
    const at = (await readFile(join(root, file))).findIndex((b) => b > 0x7f);
    if (at >= 0) {
      process.stderr.write(`bundle: ${file} has a non-ASCII byte at offset ${at}; escape it in the source\n`);
      process.exit(1);
    }
  }
  const bytes = outputs.reduce((n, [, o]) => n + o.bytes, 0);
  process.stdout.write(
    `${t}: ${outdir}/${name}.mjs (${(bytes / 2 ** 20).toFixed(1)} MiB with chunks and maps)\n`,
  );
}
