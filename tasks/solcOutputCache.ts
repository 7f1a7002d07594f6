/**
 * A content-addressed cache of the Solidity compiler's output, for this repository's compiles
 * (hardhat.config.ts wraps Hardhat's TASK_COMPILE_SOLIDITY_RUN_SOLCJS with it).
 *
 * Why: the WASM compiler (solcjs, via-IR) takes about a minute for our contracts on two cores,
 * and every fresh clone, worktree or `git clean` pays it again for the very same input — CI's
 * fresh-clone suite compiled the same sources three times. solc is a pure function of its
 * standard-JSON input and its version, so its output is stored under
 * sha256(version, input) and reused. Hardhat still runs its whole pipeline around it (artifacts,
 * build info, TypeChain): an uncompiled tree stays uncompiled until a command compiles it.
 *
 * Where: `$PKP_SOLC_CACHE_DIR`, else `$XDG_CACHE_HOME/lit-pkp-local/solc-output`, else
 * `~/.cache/lit-pkp-local/solc-output`. `PKP_SOLC_CACHE=0` turns it off. Bound: the newest
 * MAX_ENTRIES outputs and at most MAX_BYTES in all (least recently used first out). Outputs with
 * errors are not stored. A cache that cannot be read or written is skipped, never fatal.
 */
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";

/** How many compiler outputs the cache keeps (an output of this repository is about 8 MB). */
export const MAX_ENTRIES = 16;
/** How many bytes the cache keeps in all. */
export const MAX_BYTES = 256 * 1024 * 1024;

/** What the cache reads of an output: its errors (the rest is passed through untouched). */
export interface SolcOutput {
  errors?: { severity?: string }[];
}

export function solcCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PKP_SOLC_CACHE === "0") return undefined;
  if (env.PKP_SOLC_CACHE_DIR) return env.PKP_SOLC_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "lit-pkp-local", "solc-output");
}

export function solcCacheKey(compilerVersion: string, input: unknown): string {
  return createHash("sha256")
    .update(compilerVersion)
    .update("\0")
    .update(JSON.stringify(input))
    .digest("hex");
}

/**
 * The compiler's output for `input`: from the cache when it holds one, otherwise from `compile`
 * (then stored, if it has no errors).
 */
export async function cachedSolcOutput<T extends SolcOutput>(
  dir: string | undefined,
  compilerVersion: string,
  input: unknown,
  compile: () => Promise<T>,
): Promise<T> {
  if (dir === undefined) return compile();
  const file = path.join(dir, `${solcCacheKey(compilerVersion, input)}.json`);
  const hit = await readEntry<T>(file);
  if (hit !== undefined) return hit;
  const output = await compile();
  if (!(output.errors ?? []).some((e) => e.severity === "error")) {
    await writeEntry(dir, file, output);
  }
  return output;
}

async function readEntry<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const output = JSON.parse(text) as T;
    const now = new Date();
    await fs.utimes(file, now, now).catch(() => undefined); // recently used: evicted last
    return output;
  } catch {
    await fs.rm(file, { force: true }).catch(() => undefined); // torn or foreign: recompile
    return undefined;
  }
}

async function writeEntry(dir: string, file: string, output: unknown): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
    // Written aside and renamed: concurrent compiles (parallel test workers) never read half.
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await fs.writeFile(temp, JSON.stringify(output));
    await fs.rename(temp, file);
    await evict(dir);
  } catch {
    // A read-only or full disk costs the next compile its time, nothing else.
  }
}

/** Removes the least recently used entries beyond MAX_ENTRIES and MAX_BYTES. */
async function evict(dir: string): Promise<void> {
  const entries: { file: string; size: number; used: number }[] = [];
  for (const name of await fs.readdir(dir)) {
    const file = path.join(dir, name);
    const stat = await fs.stat(file).catch(() => undefined);
    if (stat === undefined) continue;
    if (name.endsWith(".json")) entries.push({ file, size: stat.size, used: stat.mtimeMs });
    // A writer that died between write and rename leaves its temporary file: gone after an hour.
    else if (name.endsWith(".tmp") && Date.now() - stat.mtimeMs > 60 * 60 * 1000) {
      await fs.rm(file, { force: true });
    }
  }
  entries.sort((a, b) => b.used - a.used);
  let bytes = 0;
  for (const [i, entry] of entries.entries()) {
    bytes += entry.size;
    if (i >= MAX_ENTRIES || bytes > MAX_BYTES) {
      await fs.rm(entry.file, { force: true }).catch(() => undefined);
    }
  }
}
