/**
 * A fresh clone of this repository for tests that must see what a newcomer sees: `git clone` of
 * the checkout, with the working tree's uncommitted changes laid over it (so a developer tests
 * what they are about to commit), `node_modules` linked from the checkout (as after `npm ci`), and
 * none of the generated folders (`artifacts/`, `cache/`, `typechain-types/`) or local state.
 */
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "./hardhatNode";
import { makeTempDir } from "./tempDir";

const run = promisify(execFile);

/** What Hardhat generates on the first compile: a fresh clone has none of it. */
export const GENERATED_DIRS = ["artifacts", "cache", "typechain-types"] as const;

export interface FreshClone {
  readonly path: string;
  remove(): Promise<void>;
}

export async function freshClone(prefix = "pkp-fresh-clone-"): Promise<FreshClone> {
  const dir = await makeTempDir(prefix);
  const target = path.join(dir.path, "repo");
  await run("git", ["clone", "--quiet", "--no-hardlinks", PROJECT_ROOT, target]);
  const git = (args: string[]) =>
    run("git", ["-C", PROJECT_ROOT, ...args], { maxBuffer: 64 * 1024 * 1024 });
  const changed = (await git(["ls-files", "-z", "--modified", "--others", "--exclude-standard"]))
    .stdout;
  const deleted = (await git(["ls-files", "-z", "--deleted"])).stdout;
  const removed = new Set(deleted.split("\0").filter(Boolean));
  for (const file of deleted.split("\0").filter(Boolean)) {
    await fs.rm(path.join(target, file), { force: true });
  }
  for (const file of changed.split("\0").filter(Boolean)) {
    if (removed.has(file)) continue;
    await fs.mkdir(path.dirname(path.join(target, file)), { recursive: true });
    await fs.copyFile(path.join(PROJECT_ROOT, file), path.join(target, file));
  }
  await fs.symlink(path.join(PROJECT_ROOT, "node_modules"), path.join(target, "node_modules"));
  return { path: target, remove: () => dir.remove() };
}
