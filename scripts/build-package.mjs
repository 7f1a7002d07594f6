// Builds dist/, what the package ships besides contracts/ (`npm pack` runs this as `prepack`):
//
//   dist/src, dist/tasks, dist/plugin, dist/ignition
//       compiled JavaScript and type declarations (tsconfig.build.json), plus every file of
//       src/, tasks/ and plugin/ that is not TypeScript (assets a module reads next to itself);
//   dist/typechain-types
//       TypeChain types and factories of the five contracts and their interfaces only (the
//       checkout's typechain-types/ also has the test contracts'), generated and compiled here;
//   dist/explorer, dist/actions
//       the top-level directories the code reads at run time (RUNTIME_DIRS), copied as they are;
//   dist/artifacts
//       the five contracts' artifacts in Hardhat's layout, with one build info cut down to them:
//       what the package deploys and verifies (never the user's compilation of our sources).
//
// dist/ mirrors the repository, so a module that reaches a file relative to its own directory
// finds it in the package too (src/packageLayout.ts). A new top-level directory that the code
// reads at run time goes into RUNTIME_DIRS; test/package/layout.test.ts fails until it does.
//
//   node scripts/build-package.mjs
import { spawn, spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { promises as fs } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

const require = createRequire(import.meta.url);

const ROOT = path.resolve(import.meta.dirname, "..");
const DIST = path.join(ROOT, "dist");
/** Top-level directories read at run time, shipped under dist/ as they are. */
export const RUNTIME_DIRS = ["explorer", "actions"];
/** Compiled trees whose non-TypeScript files are copied next to the compiled modules. */
const COMPILED_TREES = ["src", "tasks", "plugin"];
/** The deployed contracts, whose artifacts the package ships. */
const CONTRACTS = ["PubkeyRouter", "PKPNFTMetadata", "PKPNFT", "PKPPermissions", "PKPHelper"];
/** Where generated sources are staged before compiling (git-ignored, removed afterwards). */
const STAGE = path.join(ROOT, ".build");
/** Where the trimmed TypeChain is compiled, while the main compilation writes dist/. */
const STAGE_DIST = path.join(STAGE, "dist");

function fail(command, args, status) {
  console.error(`build-package: \`${path.basename(command)} ${args.join(" ")}\` failed`);
  process.exit(status ?? 1);
}

/** Runs a command to its end; resolves to its wall time in ms. Exits the build if it fails. */
function run(command, args) {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) fail(command, args, result.status);
  return performance.now() - started;
}

/** The same, without blocking: two single-threaded compilers use both cores of a small machine. */
function runConcurrently(command, args) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: "inherit" });
    child.on("error", () => fail(command, args, 1));
    child.on("exit", (status) => {
      if (status !== 0) fail(command, args, status);
      resolve(performance.now() - started);
    });
  });
}

/**
 * tsc options of both compilations. `--noCheck`: emit (declarations included) without checking
 * the whole program again — `npm test` type-checks these sources (`tsc --noEmit`), and the
 * package test type-checks a project against the emitted declarations. It saves about a third.
 */
const EMIT_ONLY = ["--noCheck"];

async function copyTree(from, to, keep = () => true) {
  for (const entry of await fs.readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) await copyTree(source, target, keep);
    else if (keep(entry.name)) {
      await fs.mkdir(to, { recursive: true });
      await fs.copyFile(source, target);
    }
  }
}

const readJson = async (file) => JSON.parse(await fs.readFile(file, "utf8"));
const writeJson = async (file, value) => {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, `${JSON.stringify(value)}\n`);
};

/**
 * The five artifacts, and one build info holding only what they need: the sources they were
 * compiled from (for verification on an explorer) and their compiler output (ABI, bytecode,
 * immutable positions, metadata). Hardhat's full build info also holds every test contract.
 */
async function writeArtifacts() {
  const from = path.join(ROOT, "artifacts");
  const to = path.join(DIST, "artifacts");
  const sourceOf = (name) => `contracts/${name}.sol`;
  let buildInfoFile;
  for (const name of CONTRACTS) {
    const dir = path.join(from, sourceOf(name));
    const debug = await readJson(path.join(dir, `${name}.dbg.json`));
    const file = path.resolve(dir, debug.buildInfo);
    if (buildInfoFile !== undefined && file !== buildInfoFile) {
      throw new Error(`${name} was compiled in another job than ${CONTRACTS[0]}: not supported`);
    }
    buildInfoFile = file;
  }
  const full = await readJson(buildInfoFile);
  const sources = new Set();
  const contracts = {};
  for (const name of CONTRACTS) {
    const output = full.output.contracts[sourceOf(name)][name];
    for (const source of Object.keys(JSON.parse(output.metadata).sources)) sources.add(source);
    contracts[sourceOf(name)] = {
      [name]: {
        abi: output.abi,
        metadata: output.metadata,
        evm: {
          bytecode: {
            object: output.evm.bytecode.object,
            linkReferences: output.evm.bytecode.linkReferences,
          },
          deployedBytecode: {
            object: output.evm.deployedBytecode.object,
            linkReferences: output.evm.deployedBytecode.linkReferences,
            immutableReferences: output.evm.deployedBytecode.immutableReferences,
          },
          methodIdentifiers: output.evm.methodIdentifiers,
        },
      },
    };
  }
  const pick = (object) => Object.fromEntries([...sources].sort().map((s) => [s, object[s]]));
  const buildInfo = {
    _format: full._format,
    id: full.id,
    solcVersion: full.solcVersion,
    solcLongVersion: full.solcLongVersion,
    input: { ...full.input, sources: pick(full.input.sources) },
    output: {
      contracts,
      sources: Object.fromEntries(
        [...sources].sort().map((s) => [s, { id: full.output.sources[s].id }]),
      ),
    },
  };
  await writeJson(path.join(to, "build-info", `${full.id}.json`), buildInfo);
  for (const name of CONTRACTS) {
    const dir = path.join(to, sourceOf(name));
    await writeJson(
      path.join(dir, `${name}.json`),
      await readJson(path.join(from, sourceOf(name), `${name}.json`)),
    );
    const buildInfoPath = path.relative(dir, path.join(to, "build-info", `${full.id}.json`));
    await writeJson(path.join(dir, `${name}.dbg.json`), {
      _format: "hh-sol-dbg-1",
      buildInfo: buildInfoPath,
    });
  }
}

/**
 * TypeChain for the shipped contracts and their interfaces, compiled into dist/typechain-types.
 * It replaces the compilation of the checkout's typechain-types/, which src/ was type-checked
 * against: the same generator and the same paths, so every import of src/ finds its names.
 */
async function writeTypechain(bin) {
  const { runTypeChain } = require("typechain");
  const artifacts = path.join(ROOT, "artifacts");
  const files = [];
  for (const name of CONTRACTS)
    files.push(path.join(artifacts, `contracts/${name}.sol/${name}.json`));
  for (const entry of await fs.readdir(path.join(ROOT, "contracts", "interfaces"))) {
    if (!entry.endsWith(".sol")) continue; // e.g. the folder's .solhint.json
    const name = path.basename(entry, ".sol");
    files.push(path.join(artifacts, `contracts/interfaces/${entry}/${name}.json`));
  }
  const outDir = path.join(STAGE, "typechain-types");
  await fs.rm(STAGE, { recursive: true, force: true });
  await runTypeChain({
    cwd: ROOT,
    filesToProcess: files,
    allFiles: files,
    inputDir: artifacts,
    outDir,
    target: "ethers-v6",
    flags: { alwaysGenerateOverloads: false, discriminateTypes: false, environment: undefined },
  });
  const ms = await runConcurrently(bin("tsc"), [
    ...EMIT_ONLY,
    ...["--outDir", path.join(STAGE_DIST, "typechain-types"), "--rootDir", outDir, "--declaration"],
    ...["--module", "commonjs", "--target", "es2022", "--moduleResolution", "node"],
    ...["--esModuleInterop", "--skipLibCheck", "--strict", "--types", "node"],
    path.join(outDir, "index.ts"),
  ]);
  return ms;
}

async function main() {
  const started = performance.now();
  await fs.rm(DIST, { recursive: true, force: true });
  const bin = (name) => path.join(ROOT, "node_modules", ".bin", name);
  const compileMs = run(bin("hardhat"), ["compile", "--quiet"]);
  // The main compilation also emits the checkout's typechain-types/ (src/ imports it; it has the
  // test contracts' types too): the trimmed one, compiled alongside, replaces it afterwards.
  const [tscMs, typechainMs] = await Promise.all([
    runConcurrently(bin("tsc"), ["-p", "tsconfig.build.json", ...EMIT_ONLY]),
    writeTypechain(bin),
  ]);
  await fs.rm(path.join(DIST, "typechain-types"), { recursive: true, force: true });
  await fs.rename(path.join(STAGE_DIST, "typechain-types"), path.join(DIST, "typechain-types"));
  await fs.rm(STAGE, { recursive: true, force: true });
  for (const tree of COMPILED_TREES) {
    await copyTree(path.join(ROOT, tree), path.join(DIST, tree), (name) => !name.endsWith(".ts"));
  }
  for (const dir of RUNTIME_DIRS) await copyTree(path.join(ROOT, dir), path.join(DIST, dir));
  await writeArtifacts();
  const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
  console.log(
    `build-package: dist/ built in ${seconds(performance.now() - started)} ` +
      `(compile ${seconds(compileMs)}, tsc ${seconds(tscMs)}, typechain ${seconds(typechainMs)})`,
  );
}

await main();
