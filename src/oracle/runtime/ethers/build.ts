/**
 * Builds the sandbox's `ethers` (v5.7.2, Lit's in-sandbox version) from the npm package (`ethers5`,
 * an alias of ethers@5.7.2) with esbuild: one CommonJS module per npm package (each
 * `@ethersproject/*` package and each of their dependencies), so that an action compiles only the
 * packages it touches. Compiling all of ethers in QuickJS costs 160–700 ms per run; keccak256 and
 * joinSignature need ≈ 12 KB of it (see docs/PERFORMANCE.md, "ethers in the sandbox").
 *
 * - Packages are bundled for the browser (their `browser` fields apply: `fetch` instead of
 *   node:http, `crypto.getRandomValues` instead of node:crypto), every bare import left as a
 *   `require` that the sandbox's loader answers from the module table.
 * - `@ethersproject/*` imports resolve from the ethers5 package first, so the set is ethers
 *   5.7.x as published (npm may have hoisted other 5.x versions for other packages).
 * - Two dependencies are replaced by shims over the worker's native hash functions
 *   (`SHIMS`, ./shims.ts): js-sha3 (keccak256) and hash.js (sha256/sha512/ripemd160/hmac). The
 *   results are the same bytes; tests compare them with ethers5 in Node.
 * - The manifest says where each name of `ethers` and `ethers.utils` lives (module and export), found
 *   by evaluating the modules in Node once and matching the values by identity, so the sandbox
 *   can load `ethers.utils.keccak256` without loading the rest.
 *
 * This runs at build time only (never in a run); ./bundleFile.ts caches the result on disk.
 */
import { builtinModules } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import { CodedError } from "../../../codedError";
import { SHIMS } from "./shims";
import type { EthersSandboxBundle, ManifestRef, SandboxModule } from "./types";

/** Bumped whenever the output of this builder changes shape or content for the same inputs. */
export const BUNDLE_FORMAT = 4;

export class EthersBundleError extends CodedError<"ETHERS_BUNDLE"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ETHERS_BUNDLE", message, options);
  }
}

interface PackageRef {
  /** npm name plus subpath ("bn.js", "@ethersproject/bytes"). */
  name: string;
  dir: string;
  version: string;
}

/** The ethers5 package's directory. */
export function ethersPackageDir(): string {
  return path.dirname(require.resolve("ethers5/package.json"));
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Where `specifier` (a bare import seen in `fromDir`) comes from. */
function resolvePackage(specifier: string, fromDir: string, ethersDir: string): PackageRef {
  const name = packageName(specifier);
  if (name !== specifier) {
    throw new EthersBundleError(`deep import ${specifier} is not supported by the sandbox loader`);
  }
  const base = name.startsWith("@ethersproject/") ? ethersDir : fromDir;
  const manifest = require.resolve(`${name}/package.json`, { paths: [base] });
  const version = readJson(manifest).version;
  return { name, dir: path.dirname(manifest), version: String(version) };
}

/** The file a package's `require(name)` loads in a browser bundle. */
function entryFile(dir: string): string {
  const pkg = readJson(path.join(dir, "package.json"));
  const browser = pkg.browser;
  const main =
    typeof browser === "string" ? browser : typeof pkg.main === "string" ? pkg.main : "index.js";
  let file = require.resolve(path.resolve(dir, main));
  if (browser !== null && typeof browser === "object") {
    for (const [from, to] of Object.entries(browser as Record<string, unknown>)) {
      const mapped = path.resolve(dir, from);
      if ((mapped === file || `${mapped}.js` === file) && typeof to === "string") {
        file = path.resolve(dir, to);
      }
    }
  }
  return file;
}

interface EsbuildLike {
  version: string;
  buildSync(options: Record<string, unknown>): {
    outputFiles?: Array<{ path: string; text: string }>;
    metafile?: {
      outputs: Record<string, { imports: Array<{ path: string; external?: boolean }> }>;
    };
  };
}

function loadEsbuild(): EsbuildLike {
  try {
    // Lazily: esbuild is a build tool, loaded only when a bundle has to be built.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional, build time only
    return require("esbuild") as EsbuildLike;
  } catch (error) {
    throw new EthersBundleError(
      "esbuild is not installed, so the sandbox's ethers cannot be built (run `npm ci`)",
      { cause: error },
    );
  }
}

/** The versions the bundle is built from: a change in any of them means a new bundle. */
export function bundleInputs(): { ethers: string; esbuild: string } {
  const ethers = String(readJson(path.join(ethersPackageDir(), "package.json")).version);
  const esbuild = String(
    readJson(require.resolve("esbuild/package.json", { paths: [process.cwd(), __dirname] }))
      .version,
  );
  return { ethers, esbuild };
}

/** Builds the module table and manifest (≈ 1 s). Throws EthersBundleError. */
export function buildEthersSandboxBundle(): EthersSandboxBundle {
  const esbuild = loadEsbuild();
  const ethersDir = ethersPackageDir();
  const ethersVersion = String(readJson(path.join(ethersDir, "package.json")).version);
  /** package dir → module id */
  const idByDir = new Map<string, string>();
  const refs = new Map<string, PackageRef>();
  const modules: Record<string, SandboxModule> = {};
  const usedIds = new Set<string>();

  const idFor = (ref: PackageRef): string => {
    const known = idByDir.get(ref.dir);
    if (known !== undefined) return known;
    const id = usedIds.has(ref.name) ? `${ref.name}@${ref.version}` : ref.name;
    usedIds.add(id);
    idByDir.set(ref.dir, id);
    refs.set(id, ref);
    return id;
  };

  let pending: string[] = [idFor({ name: "ethers", dir: ethersDir, version: ethersVersion })];
  while (pending.length > 0) {
    const entryPoints: Record<string, string> = {};
    for (const id of pending) {
      const ref = refs.get(id) as PackageRef;
      const shim = SHIMS[ref.name];
      if (shim !== undefined) {
        modules[id] = { source: shim.source, deps: { ...shim.deps } };
        continue;
      }
      entryPoints[`m${Object.keys(entryPoints).length}`] = entryFile(ref.dir);
    }
    const names = Object.keys(entryPoints);
    const batchIds = pending.filter((id) => SHIMS[(refs.get(id) as PackageRef).name] === undefined);
    pending = [];
    if (names.length === 0) break;
    let result: ReturnType<EsbuildLike["buildSync"]>;
    try {
      result = esbuild.buildSync({
        entryPoints,
        bundle: true,
        format: "cjs",
        platform: "browser",
        packages: "external",
        write: false,
        outdir: path.join(ethersDir, "__sandbox__"),
        metafile: true,
        target: "es2020",
        minify: true,
        legalComments: "none",
        logLevel: "silent",
      });
    } catch (error) {
      throw new EthersBundleError(`esbuild could not bundle ethers: ${String(error)}`, {
        cause: error,
      });
    }
    const outputs = result.metafile?.outputs ?? {};
    for (const file of result.outputFiles ?? []) {
      const entry = path.basename(file.path, ".js");
      const id = batchIds[names.indexOf(entry)];
      const ref = refs.get(id) as PackageRef;
      const meta = Object.entries(outputs).find(
        ([out]) => path.resolve(out) === path.resolve(file.path),
      )?.[1];
      const deps: Record<string, string | null> = {};
      for (const imported of meta?.imports ?? []) {
        if (!imported.external) continue;
        const specifier = imported.path;
        if (builtinModules.includes(specifier.replace(/^node:/, ""))) {
          // Node built-ins (bn.js's `buffer`, brorand's `crypto`) are optional in the browser
          // build of those packages: they get an empty module, as a browser bundler gives them.
          deps[specifier] = null;
          continue;
        }
        const depRef = resolvePackage(specifier, ref.dir, ethersDir);
        const known = idByDir.has(depRef.dir);
        const depId = idFor(depRef);
        deps[specifier] = depId;
        if (!known) pending.push(depId);
      }
      modules[id] = { source: file.text, deps };
    }
  }
  return {
    format: BUNDLE_FORMAT,
    ethersVersion,
    entry: "ethers",
    modules,
    manifest: computeManifest(modules),
  };
}

/**
 * Evaluates the modules in Node (the same code the sandbox will run, with Node's implementations of
 * the shims' natives) and finds, for each name of `ethers` and `ethers.utils`, the cheapest module
 * that exports that very value.
 */
function computeManifest(modules: Record<string, SandboxModule>): EthersSandboxBundle["manifest"] {
  const cache = new Map<string, { exports: unknown }>();
  const load = (id: string | null): unknown => {
    if (id === null) return {};
    if (id === "#native") return nodeNatives();
    const cached = cache.get(id);
    if (cached) return cached.exports;
    const module = { exports: {} as unknown };
    cache.set(id, module);
    const mod = modules[id];
    // Build time only: our own node_modules, evaluated to learn where each export lives.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see above
    const fn = new Function("module", "exports", "require", mod.source) as (
      m: unknown,
      e: unknown,
      r: (s: string) => unknown,
    ) => void;
    fn(module, module.exports, (specifier) => {
      if (!(specifier in mod.deps)) throw new EthersBundleError(`unmapped import ${specifier}`);
      return load(mod.deps[specifier]);
    });
    return module.exports;
  };
  const ethers = load("ethers") as Record<string, unknown>;

  const closureSize = new Map<string, number>();
  const sizeOf = (id: string): number => {
    const known = closureSize.get(id);
    if (known !== undefined) return known;
    const seen = new Set<string>();
    const visit = (m: string) => {
      if (seen.has(m) || m === "#native") return;
      seen.add(m);
      for (const dep of Object.values(modules[m].deps)) if (dep !== null) visit(dep);
    };
    visit(id);
    let total = 0;
    for (const m of seen) total += modules[m].source.length;
    closureSize.set(id, total);
    return total;
  };
  const candidates = Object.keys(modules)
    .filter((id) => id !== "ethers")
    .sort((a, b) => sizeOf(a) - sizeOf(b));

  const locate = (name: string, value: unknown, namespace: "top" | "utils"): ManifestRef => {
    if (namespace === "top" && name === "ethers") return ["self"];
    if (namespace === "top" && name === "utils") return ["utils"];
    if (value === null || (typeof value !== "object" && typeof value !== "function")) {
      return ["value", JSON.stringify(value ?? null)];
    }
    const found = (
      target: unknown,
    ): ["module", string] | ["export", string, string] | undefined => {
      for (const id of candidates) {
        const exported = load(id) as Record<string, unknown>;
        if (exported === target) return ["module", id];
        for (const key of Object.keys(exported)) {
          if (exported[key] === target) return ["export", id, key];
        }
      }
      return undefined;
    };
    const direct = found(value);
    if (direct !== undefined) return direct;
    // `ethers.logger` is `new Logger("ethers/5.7.2")`, made by the ethers module itself.
    const logger = value as { constructor?: unknown; version?: unknown };
    const ctor = found(logger.constructor);
    if (ctor?.[0] === "export" && ctor[2] === "Logger" && typeof logger.version === "string") {
      return ["instance", ctor[1], "Logger", JSON.stringify(logger.version)];
    }
    return ["full"];
  };
  const top: Record<string, ManifestRef> = {};
  for (const name of Object.keys(ethers)) top[name] = locate(name, ethers[name], "top");
  const utils: Record<string, ManifestRef> = {};
  const utilsObject = ethers.utils as Record<string, unknown>;
  for (const name of Object.keys(utilsObject)) {
    utils[name] = locate(name, utilsObject[name], "utils");
  }
  return { top, utils };
}

/** Node implementations of what the shims ask the worker for (build time only). */
function nodeNatives(): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- build time only
  const { nativeHashes } = require("./nativeHashes") as typeof import("./nativeHashes");
  return nativeHashes;
}
