/**
 * The page, built when the explorer starts: esbuild bundles `explorer/src/` (the app and its
 * sandbox Web Worker) in memory — no files written, nothing fetched — and the static files are
 * read from `explorer/`. Everything the page loads is served from here: it works offline.
 *
 * The bundle is built for browsers (platform "browser"): a module that imports a Node built-in
 * fails the build, which is how "the checks the page runs import nothing node-only" is enforced.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { CodedError } from "../codedError";
import { ensureEthersBundleSafely } from "../oracle/runtime/ethers/bundleFile";
import type { CompiledContracts } from "../proof/compiled";

/** `explorer/` at the project root: the page's sources. */
export const EXPLORER_APP_DIR = path.resolve(__dirname, "..", "..", "explorer");

export interface Asset {
  body: Buffer;
  contentType: string;
}

export interface ExplorerAssets {
  /** URL path (`/`, `/app/app.js`, …) → asset. */
  files: Map<string, Asset>;
  /** What the build produced, for the start-up line and docs/PERFORMANCE.md. */
  stats: {
    buildMs: number;
    /** Every chunk of the app. */
    appBytes: number;
    /** What the first view loads before anything else (app.js and the chunks it imports). */
    entryBytes: number;
    workerBytes: number;
    wasmBytes: number;
  };
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
};

/** The QuickJS build the oracle's workers use (quickjs-emscripten's RELEASE_SYNC variant). */
function quickjsWasmPath(): string {
  return require.resolve("@jitl/quickjs-wasmfile-release-sync/wasm");
}

/** Thrown when the page cannot be built (a browser-incompatible import, a syntax error). */
export class ExplorerBuildError extends CodedError<"EXPLORER_BUILD_FAILED"> {}

/**
 * Builds the page: app.js (ES module), sandbox-worker.js (the Web Worker that runs actions in
 * QuickJS for the reproduction check), quickjs.wasm, compiled.json (this checkout's contracts:
 * what the page compares the chain with), ethers-sandbox.json (the sandbox's ethers), and the
 * static files of `explorer/`.
 */
export async function buildExplorerAssets(opts: {
  compiled: CompiledContracts;
  appDir?: string;
}): Promise<ExplorerAssets> {
  const started = performance.now();
  const appDir = opts.appDir ?? EXPLORER_APP_DIR;
  const esbuild = await import("esbuild");
  const common = {
    bundle: true,
    write: false,
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
    // src/secp256k1.ts and src/keccak.ts load their Node bindings only under Node; in the page
    // those requires are never reached (and would throw inside their try), so they are not bundled.
    external: [
      "secp256k1/bindings",
      "node-gyp-build",
      "keccak/package.json",
      "node:path",
    ] as string[],
    absWorkingDir: path.resolve(appDir, ".."),
  } as const;
  let app: import("esbuild").BuildResult;
  let worker: import("esbuild").BuildResult;
  try {
    [app, worker] = await Promise.all([
      // Split: the list's code loads first; each other view (and what only it needs: hashing
      // CIDs, the verifier) is its own chunk, loaded when the view is opened.
      esbuild.build({
        ...common,
        entryPoints: { app: path.join(appDir, "src", "main.ts") },
        format: "esm",
        splitting: true,
        outdir: "/app",
        chunkNames: "chunk-[hash]",
        metafile: true,
      }),
      esbuild.build({
        ...common,
        entryPoints: [path.join(appDir, "src", "verify", "sandboxWorker.ts")],
        format: "iife",
        outfile: "sandbox-worker.js",
      }),
    ]);
  } catch (error) {
    const errors = (error as { errors?: Array<{ text: string; location?: { file: string } }> })
      .errors;
    const detail =
      errors?.map((e) => `${e.location?.file ?? ""}: ${e.text}`).join("; ") ??
      (error as Error).message;
    throw new ExplorerBuildError(
      "EXPLORER_BUILD_FAILED",
      `the explorer's page could not be built: ${detail}`,
    );
  }
  const files = new Map<string, Asset>();
  const add = (urlPath: string, body: Buffer | Uint8Array | string) => {
    const contentType = TYPES[path.extname(urlPath === "/" ? "index.html" : urlPath)];
    files.set(urlPath, { body: Buffer.from(body), contentType });
  };
  let appBytes = 0;
  for (const file of app.outputFiles ?? []) {
    add(`/app/${path.basename(file.path)}`, file.contents);
    appBytes += file.contents.length;
  }
  const workerJs = worker.outputFiles?.[0]?.contents ?? new Uint8Array();
  add("/app/sandbox-worker.js", workerJs);
  const wasm = await fs.readFile(quickjsWasmPath());
  add("/app/quickjs.wasm", wasm);
  add("/app/compiled.json", JSON.stringify(opts.compiled));
  // The sandbox's ethers, as the oracle's workers have it (built on demand, cached on disk): the
  // worker loads it when a re-executed action first uses `ethers`. Without it, such actions
  // fail reproduction with the reason.
  const ethersBundle = ensureEthersBundleSafely();
  if ("file" in ethersBundle) add("/app/ethers-sandbox.json", await fs.readFile(ethersBundle.file));
  add("/", await fs.readFile(path.join(appDir, "index.html")));
  add("/app/style.css", await fs.readFile(path.join(appDir, "style.css")));
  add("/app/favicon.svg", await fs.readFile(path.join(appDir, "favicon.svg")));
  return {
    files,
    stats: {
      buildMs: performance.now() - started,
      appBytes,
      entryBytes: staticClosureBytes(app.metafile, "/app/app.js"),
      workerBytes: workerJs.length,
      wasmBytes: wasm.length,
    },
  };
}

/** Bytes of `entry` and every chunk it imports statically (what loads before the first view). */
function staticClosureBytes(
  metafile: import("esbuild").Metafile | undefined,
  entry: string,
): number {
  if (metafile === undefined) return 0;
  const outputs = metafile.outputs;
  const key = (file: string) =>
    Object.keys(outputs).find((name) => name.endsWith(path.basename(file))) ?? file;
  const seen = new Set<string>();
  const visit = (file: string): number => {
    const name = key(file);
    if (seen.has(name) || outputs[name] === undefined) return 0;
    seen.add(name);
    const output = outputs[name];
    return (
      output.bytes +
      output.imports
        .filter((i) => i.kind === "import-statement")
        .reduce((sum, i) => sum + visit(i.path), 0)
    );
  };
  return visit(entry);
}
