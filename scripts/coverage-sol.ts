/**
 * `npm run coverage:sol` (then scripts/coverage-gate.ts): Solidity coverage of the contract suites
 * in two `hardhat coverage` processes at once, their istanbul data merged into coverage/ as one
 * run writes it (coverage-summary.json for the gate, the text table in the log).
 *
 * Why two: the instrumented tests are single-threaded (solidity-coverage counts hits in the
 * Hardhat network's EVM, in-process) and take ~5 minutes on one core of CI's two, even with the
 * tests .solcover.js leaves out. So the first shard runs PKPPermissions' two largest suites and
 * the second the rest. The second starts once the first has compiled: solidity-coverage's
 * instrumentation depends only on the sources and their paths, so the second compilation is the
 * same solc input and comes from the solc output cache (tasks/solcOutputCache.ts) in seconds
 * instead of two minutes. Each shard
 * has its own artifacts and cache folders (hardhat.config.ts) and istanbul folder (.solcover.js),
 * both chosen by PKP_COVERAGE_SHARD; hits of the same contract in both shards add up.
 *
 * Usage: ts-node scripts/coverage-sol.ts
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CodedError } from "../src/codedError";

const ROOT = path.resolve(__dirname, "..");
const COVERAGE_DIR = path.join(ROOT, "coverage");
/** Where each shard's istanbul data goes (.solcover.js: `coverage/shards/<name>`). */
const SHARDS_DIR = path.join(COVERAGE_DIR, "shards");

/** The suites that exercise the contracts: test/PKP*, test/PubkeyRouter and these folders. */
const TOP_LEVEL = /^(PKP[^/]*|PubkeyRouter)\.test\.ts$/;
const FOLDERS = ["properties", "attacks", "libraries", "base"];
/**
 * The first shard's suites (about 45 % of the instrumented time with .solcover.js's exclusions;
 * the first shard also compiles); the second has the rest.
 */
const FIRST_SHARD = ["test/PKPPermissions.test.ts", "test/PKPPermissions.headGrant.test.ts"];

/** solidity-coverage prints this once the instrumented contracts are compiled. */
const COMPILED = /Network Info/;

export class CoverageRunError extends CodedError<
  "COVERAGE_SHARD_FAILED" | "COVERAGE_DATA_MISSING"
> {}

/**
 * Contract suites the instrumented run leaves out unless PKP_COVERAGE_ALL=1: recorded test by
 * test (2026-12-06), every statement, branch and function they reach, the others reach too. The
 * property tests, the attack suites, the ERC-721 conformance behaviour, the libraries' harness
 * tests and PKPNFTMetadata's; they all run, uninstrumented, in `npm test`. (.solcover.js leaves
 * out single tests of the remaining suites on the same ground.)
 */
const LEFT_OUT_SUITES =
  /^test\/(properties|attacks|base|libraries)\/|^test\/PKPNFTMetadata\.test\.ts$/;

/**
 * The contract suites the instrumented run takes, as paths relative to the root, sorted: all of
 * them with `all` (PKP_COVERAGE_ALL=1), else all but LEFT_OUT_SUITES.
 */
export function coverageSuites(
  root: string = ROOT,
  all: boolean = process.env.PKP_COVERAGE_ALL === "1",
): string[] {
  return contractSuites(root).filter((file) => all || !LEFT_OUT_SUITES.test(file));
}

/** Every contract suite, as paths relative to the root, sorted. */
export function contractSuites(root: string = ROOT): string[] {
  const top = readdirSync(path.join(root, "test"))
    .filter((name) => TOP_LEVEL.test(name))
    .map((name) => `test/${name}`);
  const nested = FOLDERS.flatMap((folder) => {
    const dir = path.join(root, "test", folder);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith(".test.ts"))
      .map((name) => `test/${folder}/${name}`);
  });
  return [...top, ...nested].sort();
}

/** The two shards: FIRST_SHARD, and every other suite. Throws if a FIRST_SHARD file is gone. */
export function shards(suites: readonly string[]): [string[], string[]] {
  const missing = FIRST_SHARD.filter((file) => !suites.includes(file));
  if (missing.length > 0) {
    throw new CoverageRunError("COVERAGE_SHARD_FAILED", `no such suite: ${missing.join(", ")}`);
  }
  return [[...FIRST_SHARD], suites.filter((file) => !FIRST_SHARD.includes(file))];
}

/** A glob that names exactly these files (solidity-coverage's --testfiles takes one glob). */
export function globOf(files: readonly string[]): string {
  return files.length === 1 ? files[0] : `{${files.join(",")}}`;
}

interface ShardRun {
  done: Promise<number>;
  /** Output held back (the second shard's), printed when it ends. */
  held: Buffer[];
}

/** Starts one `hardhat coverage`; `onCompiled` fires once its contracts are compiled. */
function startShard(
  name: string,
  files: readonly string[],
  live: boolean,
  onCompiled: () => void,
): ShardRun {
  const held: Buffer[] = [];
  const child = spawn(
    path.join(ROOT, "node_modules", ".bin", "hardhat"),
    // No --temp: with Hardhat ≥ 2.0.4 solidity-coverage ignores it and compiles into the
    // configured paths, which PKP_COVERAGE_SHARD sets.
    ["coverage", "--testfiles", globOf(files)],
    {
      cwd: ROOT,
      env: { ...process.env, PKP_COVERAGE_SHARD: name },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let compiled = false;
  const watch = (chunk: Buffer, stream: NodeJS.WriteStream) => {
    if (live) stream.write(chunk);
    else held.push(chunk);
    if (!compiled && COMPILED.test(chunk.toString())) {
      compiled = true;
      onCompiled();
    }
  };
  child.stdout.on("data", (chunk: Buffer) => watch(chunk, process.stdout));
  child.stderr.on("data", (chunk: Buffer) => watch(chunk, process.stderr));
  const done = new Promise<number>((resolve) => {
    child.on("error", (error) => {
      held.push(Buffer.from(`cannot start hardhat coverage: ${error.message}\n`));
      resolve(1);
    });
    child.on("close", (code, signal) => {
      if (!compiled) onCompiled();
      resolve(code ?? (signal === null ? 0 : 1));
    });
  });
  return { done, held };
}

/** One shard's istanbul data (the "json" reporter's coverage-final.json in its folder). */
function shardData(dir: string): Record<string, unknown> {
  const file = path.join(dir, "coverage-final.json");
  if (!existsSync(file)) {
    throw new CoverageRunError(
      "COVERAGE_DATA_MISSING",
      `${path.relative(ROOT, file)} not found: that shard wrote no coverage`,
    );
  }
  return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
}

/** The part of istanbul's libraries used here (they ship no types of their own). */
interface CoverageMap {
  merge(data: Record<string, unknown> | CoverageMap): void;
  toJSON(): Record<string, unknown>;
}
interface IstanbulLibs {
  createCoverageMap(data?: Record<string, unknown>): CoverageMap;
  createContext(options: { dir: string; coverageMap: CoverageMap }): unknown;
  create(name: string): { execute(context: unknown): void };
}

function istanbul(): IstanbulLibs {
  /* eslint-disable @typescript-eslint/no-require-imports -- untyped CommonJS */
  const { createCoverageMap } = require("istanbul-lib-coverage") as Pick<
    IstanbulLibs,
    "createCoverageMap"
  >;
  const { createContext } = require("istanbul-lib-report") as Pick<IstanbulLibs, "createContext">;
  const { create } = require("istanbul-reports") as Pick<IstanbulLibs, "create">;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { createCoverageMap, createContext, create };
}

/**
 * Sums the hits of the shards' data (`shardDirs`, each with a coverage-final.json) and writes
 * them to `outDir` as one run would: coverage-summary.json (the gate's input), the text table on
 * stdout (`reports`), and the merged data as `coverageJson`.
 */
export function mergeShards(
  shardDirs: readonly string[],
  outDir: string,
  coverageJson: string,
  reports: readonly string[] = ["json-summary", "text"],
): void {
  const libs = istanbul();
  const map = libs.createCoverageMap({});
  for (const dir of shardDirs) map.merge(shardData(dir));
  writeFileSync(coverageJson, JSON.stringify(map.toJSON()));
  const context = libs.createContext({ dir: outDir, coverageMap: map });
  for (const report of reports) libs.create(report).execute(context);
}

async function main(): Promise<void> {
  const [first, second] = shards(coverageSuites());
  rmSync(SHARDS_DIR, { recursive: true, force: true });
  mkdirSync(SHARDS_DIR, { recursive: true });
  console.log(
    `Solidity coverage in two shards: [${first.join(", ")}] and ${second.length} other suites ` +
      `(the second starts once the first has compiled)`,
  );
  let startSecond!: () => void;
  const secondStarted = new Promise<ShardRun>((resolve) => {
    startSecond = () => resolve(startShard("b", second, false, () => undefined));
  });
  const runA = startShard("a", first, true, () => startSecond());
  const runB = await secondStarted;
  const [codeA, codeB] = await Promise.all([runA.done, runB.done]);
  // The shards' instrumented builds (hardhat.config.ts) are of no use once they have run.
  for (const name of ["a", "b"]) {
    for (const dir of [`.coverage_artifacts_${name}`, `.coverage_cache_${name}`]) {
      rmSync(path.join(ROOT, dir), { recursive: true, force: true });
    }
  }
  console.log("\n── coverage, second shard (ran beside the first; its output) ──");
  process.stdout.write(Buffer.concat(runB.held));
  const failed = [
    ...(codeA === 0 ? [] : [`a (exit ${codeA})`]),
    ...(codeB === 0 ? [] : [`b (exit ${codeB})`]),
  ];
  if (failed.length > 0) {
    throw new CoverageRunError(
      "COVERAGE_SHARD_FAILED",
      `coverage shard failed: ${failed.join(", ")}`,
    );
  }
  mergeShards(
    ["a", "b"].map((name) => path.join(SHARDS_DIR, name)),
    COVERAGE_DIR,
    path.join(ROOT, "coverage.json"),
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exitCode = 1;
  });
}
