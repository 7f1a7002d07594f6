/**
 * What a sandbox worker thread starts with (always eval'd: no extra .js file has to be shipped).
 *
 * - From compiled output (this file is .js) it requires the .js entry.
 * - Under ts-node (this file is .ts), the entry and the modules it imports are bundled once per
 *   process with esbuild (transpile only: type checking happened in the parent; quickjs-emscripten
 *   stays external and is required from the entry's directory). A thread then boots in ≈ 0.1 s and
 *   ≈ 25 MB instead of loading ts-node and the TypeScript compiler into every thread (≈ 0.5 s and
 *   ≈ 90 MB each, seconds on a loaded machine), which matters because threads are started on
 *   demand (more than `poolSize` while clients wait, replacements after kills).
 * - Under coverage (NODE_V8_COVERAGE, c8) a bundle would hide the sources (c8 cannot map a
 *   many-source bundle back to them: it filters the map's file:// URLs against its include list
 *   and counts every line as excluded). Instead this process's ts-node compiles each of the
 *   worker's .ts files once, and the thread serves them from a require hook: coverage maps to
 *   the sources exactly as when the thread ran ts-node itself, without loading TypeScript and
 *   compiling them in every thread (≈ 2.5 s of CPU per thread; `npm test` starts hundreds).
 * - If esbuild cannot be used, the thread registers ts-node and requires the .ts entry.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/** Node options that load code into a thread before its script: the worker needs none. */
const PRELOAD_FLAGS = new Set(["--require", "-r", "--import", "--loader", "--experimental-loader"]);

/**
 * The parent's Node options for a sandbox thread, without its preloads. A thread inherits the
 * process's `execArgv`, and `hardhat run` (the demos, the benches, a user's script) starts
 * its process with `--require ts-node/register/transpile-only --require hardhat/register`:
 * inherited, every sandbox thread would load the TypeScript compiler and the whole Hardhat
 * config with its tasks before its first run (≈ 1.5 s of CPU and ≈ 90 MB each). The bootstrap
 * above already loads what the thread needs; the other options (memory, diagnostics) are kept.
 */
export function workerExecArgv(parent: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const flag = parent[i];
    if (PRELOAD_FLAGS.has(flag)) {
      i++; // and its value
      continue;
    }
    if ([...PRELOAD_FLAGS].some((preload) => flag.startsWith(`${preload}=`))) continue;
    kept.push(flag);
  }
  return kept;
}

/** The script a thread is started with (`new Worker(script, { eval: true })`). */
export function workerBootstrap(): string {
  const extension = path.extname(__filename);
  const entry = path.join(__dirname, "worker", `sandboxWorker${extension}`);
  if (!existsSync(entry)) throw new Error(`sandbox worker entry not found: ${entry}`);
  if (extension !== ".ts") return `require(${JSON.stringify(entry)});`;
  started ??=
    (process.env.NODE_V8_COVERAGE === undefined ? bundle(entry) : precompiled(entry)) ??
    tsNodeStart(entry);
  return started;
}

let started: string | undefined;

function loadEsbuild(): typeof import("esbuild") {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional, loaded lazily
  return require("esbuild") as typeof import("esbuild");
}

/** quickjs-emscripten loads its WebAssembly from its own files: always required from disk. */
const EXTERNAL = ["quickjs-emscripten", "@jitl/*", "quickjs-emscripten-core"];

/** The worker's sources as one script; null when esbuild is not available. */
function bundle(entry: string): string | null {
  try {
    const result = loadEsbuild().buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      // The rest (ethers' helpers) is bundled from its ES modules: only what the worker uses.
      external: EXTERNAL,
      mainFields: ["module", "main"],
      write: false,
      logLevel: "silent",
    });
    const code = result.outputFiles[0]?.text;
    if (code === undefined) return null;
    // Packages are required as from the entry's own directory, wherever the process runs.
    return `(function (require) {\n${code}\n})(require("node:module").createRequire(${JSON.stringify(entry)}));`;
  } catch {
    return null;
  }
}

/** The part of ts-node's Service used here (the instance registered in this process). */
interface TsNodeService {
  compile(code: string, fileName: string): string;
}

/**
 * The worker's own .ts files compiled by this process's ts-node (the same JavaScript and inline
 * source maps its main thread runs), served to the thread by a require hook; null without
 * esbuild or a registered ts-node. The same JavaScript matters: c8 merges the V8 coverage of all
 * threads per file before mapping it, so two different compilations of one file would corrupt
 * each other's counts.
 */
function precompiled(entry: string): string | null {
  const service = (process as unknown as Record<symbol, TsNodeService | undefined>)[
    Symbol.for("ts-node.register.instance")
  ];
  if (service === undefined) return null;
  try {
    // Which .ts files the worker loads: a bundle's inputs, packages left out.
    const { metafile } = loadEsbuild().buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      packages: "external",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const sources: Record<string, string> = {};
    for (const input of Object.keys(metafile?.inputs ?? {})) {
      if (!input.endsWith(".ts")) continue;
      const file = path.resolve(input);
      sources[file] = service.compile(readFileSync(file, "utf8"), file);
    }
    if (sources[entry] === undefined) return null;
    return [
      `const sources = ${JSON.stringify(sources)};`,
      `const previous = require.extensions[".ts"];`,
      `require.extensions[".ts"] = function (module, filename) {`,
      `  const code = sources[filename];`,
      `  if (code !== undefined) return module._compile(code, filename);`,
      `  if (previous) return previous(module, filename);`,
      `  throw new Error("no compiled source for " + filename);`,
      `};`,
      `require(${JSON.stringify(entry)});`,
    ].join("\n");
  } catch {
    return null;
  }
}

function tsNodeStart(entry: string): string {
  return [
    `require(${JSON.stringify(require.resolve("ts-node"))}).register({`,
    `  transpileOnly: true, skipProject: true,`,
    `  compilerOptions: { module: "commonjs", target: "es2022", esModuleInterop: true },`,
    `});`,
    `require(${JSON.stringify(entry)});`,
  ].join("\n");
}
