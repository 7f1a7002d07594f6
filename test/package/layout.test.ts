/**
 * What keeps the package whole while others add modules, tasks and dependencies — checked on the
 * sources, without building anything:
 * - every package the runtime code imports is declared where an installation gets it;
 * - every file a module reaches from its own directory is in what the package ships (dist/
 *   mirrors the repository: src/packageLayout.ts, scripts/build-package.mjs);
 * - every task is registered through tasks/index.ts, which the plugin entry loads;
 * - the library entry (src/index.ts) exports the public names.
 */
import { expect } from "chai";
import { builtinModules } from "node:module";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import hre from "hardhat";
import * as library from "../../src";
import { PROJECT_ROOT } from "../helpers/hardhatNode";
import { sourceFiles } from "../helpers/sourceFiles";

/** The trees whose code runs from the package. */
const RUNTIME_TREES = ["src", "tasks", "plugin", "ignition/modules", "explorer/src"];
/** The files of those trees that are code. */
const CODE = /\.(ts|js|mjs)$/;
/** Imported only when running from TypeScript sources (a checkout), never from the package. */
const SOURCE_ONLY = new Set(["ts-node"]);
/** What dist/ holds besides RUNTIME_DIRS (scripts/build-package.mjs). */
const COMPILED_DIRS = ["src", "tasks", "plugin", "ignition", "typechain-types", "artifacts"];

async function runtimeFiles(): Promise<string[]> {
  const trees = await Promise.all(
    RUNTIME_TREES.map((tree) => sourceFiles(path.join(PROJECT_ROOT, tree), CODE)),
  );
  return trees.flat();
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`); undefined for built-ins. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0])) return;
  // "#…" is never a package: Node's subpath imports, and the sandbox's own module names (the
  // ethers shims' `require("#native")` is resolved inside QuickJS, not by Node).
  if (specifier.startsWith("#")) return;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Bare specifiers a file loads at run time (type-only imports excluded: they vanish). */
function runtimeImports(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /^\s*import\s+(?!type\b)(?:[^"';]*?\sfrom\s+)?["']([^"'.][^"']*)["']/gm,
    /^\s*export\s+(?!type\b)[^"';]*?\sfrom\s+["']([^"'.][^"']*)["']/gm,
    /\b(?:require|require\.resolve|import)\(\s*["']([^"'.][^"']*)["']\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) found.push(match[1]);
  }
  return found;
}

describe("the package's layout (checked on the sources)", function () {
  it("declares every package its runtime code imports, in dependencies or peerDependencies", async function () {
    const manifest = JSON.parse(
      await fs.readFile(path.join(PROJECT_ROOT, "package.json"), "utf8"),
    ) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const declared = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    const undeclared = new Set<string>();
    for (const file of await runtimeFiles()) {
      const text = await fs.readFile(file, "utf8");
      for (const specifier of runtimeImports(text)) {
        const name = packageOf(specifier);
        if (name === undefined || declared.has(name) || SOURCE_ONLY.has(name)) continue;
        undeclared.add(`${name} (${path.relative(PROJECT_ROOT, file)})`);
      }
    }
    // Fix: move the package from devDependencies to dependencies in package.json (npm install
    // --save-prod --save-exact <name>@<version>), or to peerDependencies if the user's project
    // must share its one copy (as with hardhat and ethers).
    expect([...undeclared]).to.deep.equal([]);
    for (const name of declared) {
      expect(
        manifest.devDependencies?.[name] === undefined ||
          manifest.peerDependencies?.[name] !== undefined,
        name,
      ).to.equal(true);
    }
  });

  it("reaches from __dirname only files the package ships (dist/ mirrors the repository)", async function () {
    const build = await fs.readFile(
      path.join(PROJECT_ROOT, "scripts", "build-package.mjs"),
      "utf8",
    );
    const runtimeDirs = /RUNTIME_DIRS = \[([^\]]*)\]/.exec(build)?.[1].match(/[\w.-]+/g) ?? [];
    expect(runtimeDirs).to.include.members(["explorer", "actions"]);
    const shipped = new Set([...COMPILED_DIRS, ...runtimeDirs]);
    const outside: string[] = [];
    for (const file of await runtimeFiles()) {
      if (file === path.join(PROJECT_ROOT, "src", "packageLayout.ts")) continue; // defines the roots
      const text = await fs.readFile(file, "utf8");
      for (const match of text.matchAll(
        /path\.(?:join|resolve)\(\s*__dirname\s*((?:,\s*"[^"]*"\s*)*)/g,
      )) {
        const segments = [...match[1].matchAll(/"([^"]*)"/g)].map((m) => m[1]);
        const target = path.relative(PROJECT_ROOT, path.resolve(path.dirname(file), ...segments));
        const top = target.split(path.sep)[0];
        if (target.startsWith("..") || !shipped.has(top)) {
          outside.push(`${path.relative(PROJECT_ROOT, file)} → ${target || "."}`);
        }
      }
    }
    // Fix: read project files (deployments, data) from hre.config.paths.root; ship a new
    // top-level directory by adding it to RUNTIME_DIRS in scripts/build-package.mjs.
    expect(outside).to.deep.equal([]);
  });

  it("registers every task through tasks/index.ts, which the plugin entry and hardhat.config.ts load", async function () {
    const index = await fs.readFile(path.join(PROJECT_ROOT, "tasks", "index.ts"), "utf8");
    const registered: string[] = [];
    for (const file of await sourceFiles(path.join(PROJECT_ROOT, "tasks"), CODE)) {
      const text = await fs.readFile(file, "utf8");
      const names = [...text.matchAll(/\btask\(\s*"(pkp:[^"]+)"/g)].map((m) => m[1]);
      if (names.length === 0) continue;
      registered.push(...names);
      expect(index, `${path.basename(file)} is not imported by tasks/index.ts`).to.include(
        `import "./${path.basename(file, ".ts")}";`,
      );
    }
    for (const name of registered) expect(hre.tasks[name], name).not.to.equal(undefined);
    expect(
      Object.keys(hre.tasks)
        .filter((name) => name.startsWith("pkp:"))
        .sort(),
    ).to.deep.equal([...registered].sort());
    const plugin = await fs.readFile(path.join(PROJECT_ROOT, "plugin", "index.ts"), "utf8");
    expect(plugin).to.include('import "../tasks";');
    const config = await fs.readFile(path.join(PROJECT_ROOT, "hardhat.config.ts"), "utf8");
    expect(config).to.include('import "./plugin";');
    expect(config).not.to.match(/import "\.\/tasks/);
  });

  it("exports the library's public names from the package's main entry (src/index.ts)", function () {
    for (const name of [
      "SigningOracle",
      "MemoryKeystore",
      "FileKeystore",
      "KeyProvisioner",
      "ActionRuntime",
      "createAuthSig",
      "startOracleService",
      "loadDeployment",
      "connectContracts",
      "verifyProof",
      "collectProofBundle",
      "readProofBundle",
      "renderReport",
      "cidOfCode",
      "cidToBytes",
      "PKPNFT__factory",
      "ArtifactsDirectory",
      "CodedError",
      "KEY_TYPE_ECDSA",
      "PkpSigner",
      "PkpSession",
      "httpOracle",
      "mintForIdToken",
      "startDevIssuer",
      "authMethodIdOf",
    ]) {
      expect(library, name).to.have.property(name);
    }
  });
});
