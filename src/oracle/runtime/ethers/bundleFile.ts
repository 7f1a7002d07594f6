/**
 * Where the sandbox's ethers lives on disk, and building it on demand: the first ActionRuntime of
 * a fresh clone (after `npm ci`) builds it from the installed ethers5 package with esbuild
 * (≈ 1 s, once) into `node_modules/.cache/lit-pkp-local/ethers5-sandbox-<key>.json`, where
 * `<key>` hashes the ethers and esbuild versions and the builder's format, so a dependency update
 * rebuilds it and `npm ci` (which empties node_modules) starts afresh. Nothing is fetched at run
 * time; workers read the file the first time an action touches `ethers`.
 *
 * Several processes may build at once (parallel test runs): each writes a temporary file and
 * renames it into place, so a reader never sees half a file.
 */
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { BUNDLE_FORMAT, EthersBundleError, buildEthersSandboxBundle, bundleInputs } from "./build";
import { SHIMS } from "./shims";
import type { EthersSandboxBundle } from "./types";

export { EthersBundleError } from "./build";

/** node_modules/.cache/lit-pkp-local (next to the installed packages the bundle is made of). */
export function bundleCacheDir(): string {
  const nodeModules = path.resolve(path.dirname(require.resolve("ethers5/package.json")), "..");
  return path.join(nodeModules, ".cache", "lit-pkp-local");
}

/** The cache file name for the installed versions. */
export function bundleFileName(): string {
  const inputs = bundleInputs();
  const key = createHash("sha256")
    .update(JSON.stringify({ ...inputs, format: BUNDLE_FORMAT, shims: SHIMS }))
    .digest("hex")
    .slice(0, 16);
  return `ethers${inputs.ethers}-sandbox-${key}.json`;
}

let ensured: { file: string } | { error: string } | undefined;

/**
 * The path of the bundle file, built first if it is missing. Synchronous (the pool calls it
 * before starting workers); remembered per process. Throws EthersBundleError if it cannot be
 * built; `ensureEthersBundleSafely` turns that into a message for the sandbox.
 */
export function ensureEthersBundle(): string {
  if (ensured && "file" in ensured) return ensured.file;
  if (ensured && "error" in ensured) throw new EthersBundleError(ensured.error);
  try {
    const dir = bundleCacheDir();
    const file = path.join(dir, bundleFileName());
    if (!fs.existsSync(file)) writeBundle(file, buildEthersSandboxBundle());
    ensured = { file };
    return file;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ensured = { error: message };
    throw error instanceof EthersBundleError
      ? error
      : new EthersBundleError(`cannot build the sandbox's ethers: ${message}`, { cause: error });
  }
}

/** `{ file }` when the bundle is ready, `{ error }` (why not) otherwise; never throws. */
export function ensureEthersBundleSafely(): { file: string } | { error: string } {
  try {
    return { file: ensureEthersBundle() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** Bundles of other versions left in the cache are removed once they are this old. */
const STALE_MS = 10 * 60_000;

function writeBundle(file: string, bundle: EthersSandboxBundle): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(bundle));
  fs.renameSync(temporary, file);
  // Best effort: drop bundles of earlier versions (not recently used by another checkout).
  for (const name of fs.readdirSync(dir)) {
    const other = path.join(dir, name);
    if (other === file || !/^ethers.*-sandbox-.*\.json(\..*\.tmp)?$/.test(name)) continue;
    try {
      if (Date.now() - fs.statSync(other).mtimeMs > STALE_MS) fs.rmSync(other, { force: true });
    } catch {
      // another process removed it first
    }
  }
}

/** Reads a bundle file (worker side). Throws EthersBundleError on a damaged file. */
export function readEthersBundle(file: string): EthersSandboxBundle {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new EthersBundleError(`cannot read the sandbox's ethers from ${file}`, { cause: error });
  }
  const bundle = parsed as EthersSandboxBundle;
  if (bundle?.format !== BUNDLE_FORMAT || typeof bundle.modules !== "object") {
    throw new EthersBundleError(
      `${file} is not a sandbox ethers bundle of format ${BUNDLE_FORMAT}`,
    );
  }
  return bundle;
}
