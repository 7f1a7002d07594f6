/**
 * The code a sandbox worker thread starts with (eval'd: no extra .js file has to be shipped).
 *
 * - From compiled output (this file is .js) it requires the .js entry.
 * - Under ts-node (this file is .ts), the entry and the modules it imports are bundled once per
 *   process with esbuild (transpile only: type checking happened in the parent; quickjs-emscripten
 *   stays external and is required from the entry's directory). A thread then boots in ≈ 0.1 s and
 *   ≈ 25 MB instead of loading ts-node and the TypeScript compiler into every thread (≈ 0.5 s and
 *   ≈ 90 MB each, seconds on a loaded machine), which matters because threads are started on
 *   demand (more than `poolSize` while clients wait, replacements after kills).
 * - Under coverage (NODE_V8_COVERAGE, c8), or if esbuild cannot be used, the thread registers
 *   ts-node and requires the .ts entry, so coverage maps to the sources.
 */
import { existsSync } from "node:fs";
import path from "node:path";

let bundled: string | undefined;

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

export function workerBootstrap(): string {
  const extension = path.extname(__filename);
  const entry = path.join(__dirname, "worker", `sandboxWorker${extension}`);
  if (!existsSync(entry)) throw new Error(`sandbox worker entry not found: ${entry}`);
  if (extension !== ".ts") return `require(${JSON.stringify(entry)});`;
  if (process.env.NODE_V8_COVERAGE === undefined) {
    bundled ??= bundle(entry);
    if (bundled !== "") return bundled;
  }
  return [
    `require(${JSON.stringify(require.resolve("ts-node"))}).register({`,
    `  transpileOnly: true, skipProject: true,`,
    `  compilerOptions: { module: "commonjs", target: "es2022", esModuleInterop: true },`,
    `});`,
    `require(${JSON.stringify(entry)});`,
  ].join("\n");
}

/** The worker's sources as one script, or "" when esbuild is not available. */
function bundle(entry: string): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional, loaded lazily
    const esbuild = require("esbuild") as typeof import("esbuild");
    const result = esbuild.buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      // quickjs-emscripten loads its WebAssembly from its own files: required from disk. The rest
      // (ethers' helpers) is bundled from its ES modules, so only what the worker uses is loaded.
      external: ["quickjs-emscripten", "@jitl/*", "quickjs-emscripten-core"],
      mainFields: ["module", "main"],
      write: false,
      logLevel: "silent",
    });
    const code = result.outputFiles[0]?.text;
    if (code === undefined) return "";
    // Packages are required as from the entry's own directory, wherever the process runs.
    return `(function (require) {\n${code}\n})(require("node:module").createRequire(${JSON.stringify(entry)}));`;
  } catch {
    return "";
  }
}
