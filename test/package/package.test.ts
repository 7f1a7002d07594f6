/**
 * The npm package, as a stranger installs it: one `npm pack` of this checkout (its `prepack`
 * build included), shared by every test here, then Hardhat projects outside the repository that
 * install the tarball (test/package/installedPackage.ts) and run their own `npx hardhat test`.
 */
import { expect } from "chai";
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import hre from "hardhat";
import { PROJECT_ROOT } from "../helpers/hardhatNode";
import {
  installedProject,
  packedPackage,
  removePackageTemporaries,
  type CommandResult,
  type InstalledProject,
  type PackedPackage,
} from "./installedPackage";

/** A bound on the tarball, so that nothing large slips in unnoticed (it is ~0.5 MB). */
const MAX_PACKED_BYTES = 1024 * 1024;

function expectSuccess(result: CommandResult, what: string): void {
  expect(result.code, `${what} failed:\n${result.output}`).to.equal(0);
}

/** Name, parameters and flags of every pkp:* task, as a comparable list. */
const TASK_LISTING = `
const tasks = Object.values(require("hardhat").tasks)
  .filter((task) => task.name.startsWith("pkp:"))
  .map((task) => ({
    name: task.name,
    params: Object.values(task.paramDefinitions).map((p) => [p.name, p.isFlag, p.isOptional, p.defaultValue]),
  }))
  .sort((a, b) => a.name.localeCompare(b.name));
console.log("PKP_TASKS " + JSON.stringify(tasks));

// Every task's implementation (loaded only when the task runs) and hre.pkp's: their imports
// resolve in the installed package (native modules, WASM, data files read at load time).
const fs = require("node:fs");
const path = require("node:path");
const dist = path.join(path.dirname(require.resolve("lit-pkp-local/package.json")), "dist");
const implementations = [
  ...fs.readdirSync(path.join(dist, "tasks")).filter((f) => /Actions?\\.js$/.test(f)).map((f) => path.join(dist, "tasks", f)),
  ...fs.readdirSync(path.join(dist, "plugin")).filter((f) => f.endsWith(".js")).map((f) => path.join(dist, "plugin", f)),
];
for (const file of implementations) require(file);
console.log("PKP_IMPLEMENTATIONS " + JSON.stringify(implementations.map((f) => path.relative(dist, f)).sort()));
`;

function ourTasks(): unknown {
  const listing = Object.values(hre.tasks)
    .filter((task) => task.name.startsWith("pkp:"))
    .map((task) => ({
      name: task.name,
      params: Object.values(task.paramDefinitions).map((p) => [
        p.name,
        p.isFlag,
        p.isOptional,
        p.defaultValue,
      ]),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return JSON.parse(JSON.stringify(listing));
}

/** This checkout's task implementations (tasks/*Action(s).ts) and plugin modules, as dist/ paths. */
async function ourImplementations(): Promise<string[]> {
  const tasks = (await fs.readdir(path.join(PROJECT_ROOT, "tasks")))
    .filter((file) => /Actions?\.ts$/.test(file))
    .map((file) => path.join("tasks", file.replace(/\.ts$/, ".js")));
  const plugin = (await fs.readdir(path.join(PROJECT_ROOT, "plugin")))
    .filter((file) => file.endsWith(".ts"))
    .map((file) => path.join("plugin", file.replace(/\.ts$/, ".js")));
  expect(tasks).to.include.members([path.join("tasks", "streamsAction.js")]);
  return [...tasks, ...plugin];
}

/**
 * A JavaScript project that imports the plugin and uses no PKP at run time. Its contracts are
 * compiled with its own settings; one of them imports the package's Solidity interface.
 */
const BYSTANDER_FILES: Record<string, string> = {
  "package.json": JSON.stringify({
    name: "bystander",
    private: true,
    devDependencies: {
      "@nomicfoundation/hardhat-toolbox": "^6.1.2",
      "@openzeppelin/contracts": "^5.4.0",
      chai: "^4.5.0",
      ethers: "^6.14.0",
      hardhat: "^2.28.0",
      "lit-pkp-local": "file:lit-pkp-local-0.1.0.tgz",
      solc: "0.8.28",
    },
  }),
  "hardhat.config.js": `
const { subtask } = require("hardhat/config");
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require("hardhat/builtin-tasks/task-names");
require("@nomicfoundation/hardhat-toolbox");
require("lit-pkp-local/hardhat");

const SOLC_VERSION = require("solc/package.json").version;
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(async (args, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper(args);
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: args.solcVersion,
    longVersion: require("solc").version().replace(/\\.Emscripten.*$/, ""),
  };
});

module.exports = {
  solidity: { version: SOLC_VERSION, settings: { optimizer: { enabled: true, runs: 200 } } },
};
`,
  "contracts/Counter.sol": `// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPKPPermissions} from "lit-pkp-local/contracts/interfaces/IPKPPermissions.sol";

contract Counter {
    uint256 public count;

    function increment() external {
        count += 1;
    }
}

/// Compiles against the package's interface; nothing of the PKP stack is used at run time.
contract PermissionsReader {
    IPKPPermissions public immutable permissions;

    constructor(IPKPPermissions permissions_) {
        permissions = permissions_;
    }
}
`,
  "test/counter.test.js": `
const { expect } = require("chai");
const path = require("node:path");
const { ethers } = require("hardhat");

describe("a project that imports lit-pkp-local/hardhat and uses no PKP", function () {
  it("deploys and calls its own contract", async function () {
    const counter = await ethers.deployContract("Counter");
    await counter.increment();
    expect(await counter.count()).to.equal(1n);
  });

  it("loaded the plugin's registrations but none of its implementation", function () {
    const ours = Object.keys(require.cache).filter((file) =>
      file.includes(path.sep + "lit-pkp-local" + path.sep),
    );
    expect(ours.some((file) => file.endsWith(path.join("dist", "plugin", "index.js")))).to.equal(true);
    const implementation = /dist[\\\\/](plugin[\\\\/]stack|src[\\\\/](oracle|proof|explorer)|typechain-types)/;
    expect(ours.filter((file) => implementation.test(file))).to.deep.equal([]);
  });
});
`,
  "scripts/list-pkp-tasks.js": TASK_LISTING,
  // The explorer's page is bundled at run time from dist/explorer/ and the compiled modules.
  "scripts/explorer-page.js": `
const path = require("node:path");
const { ArtifactsDirectory, PACKAGE_ARTIFACTS_DIR, loadCompiledContracts } = require("lit-pkp-local");
const installed = path.dirname(require.resolve("lit-pkp-local/package.json"));
const { buildExplorerAssets } = require(path.join(installed, "dist/src/explorer/assets.js"));
(async () => {
  const compiled = await loadCompiledContracts(new ArtifactsDirectory(PACKAGE_ARTIFACTS_DIR));
  const { files } = await buildExplorerAssets({ compiled });
  console.log("EXPLORER_FILES " + JSON.stringify([...files.keys()]));
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`,
};

describe("the npm package (npm pack, installed in other projects)", function () {
  this.timeout(600_000);
  let packed: PackedPackage;

  before(async function () {
    packed = await packedPackage();
  });

  after(async function () {
    await removePackageTemporaries();
  });

  it("ships compiled JavaScript with declarations, the Solidity sources, the five artifacts and the actions — and no tests", function () {
    const files = new Set(packed.files);
    for (const file of [
      "package.json",
      "README.md",
      "dist/src/index.js",
      "dist/src/index.d.ts",
      "dist/plugin/index.js",
      "dist/plugin/index.d.ts",
      "dist/plugin/typeExtensions.d.ts",
      "dist/tasks/index.js",
      "dist/src/oracle/runtime/worker/sandboxWorker.js",
      "dist/typechain-types/index.js",
      "dist/typechain-types/index.d.ts",
      "dist/artifacts/contracts/PKPNFT.sol/PKPNFT.json",
      "dist/actions/isPrime.js",
      "dist/explorer/index.html",
      "contracts/PKPPermissions.sol",
      "contracts/interfaces/IPKPPermissions.sol",
    ]) {
      expect(files.has(file), file).to.equal(true);
    }
    for (const name of [
      "PubkeyRouter",
      "PKPNFTMetadata",
      "PKPNFT",
      "PKPPermissions",
      "PKPHelper",
    ]) {
      expect(files.has(`dist/artifacts/contracts/${name}.sol/${name}.json`), name).to.equal(true);
      expect(
        files.has(`dist/typechain-types/factories/contracts/${name}__factory.js`),
        name,
      ).to.equal(true);
    }
    const unwanted = packed.files.filter(
      (file) =>
        /^(test|bench|scripts|coverage|cache|artifacts|typechain-types|ignition\/deployments)\//.test(
          file,
        ) ||
        file.startsWith("contracts/test/") ||
        file.includes("/test/") ||
        // TypeScript sources only where the explorer bundles them at run time
        (/\.ts$/.test(file) && !file.endsWith(".d.ts") && !file.startsWith("dist/explorer/src/")),
    );
    expect(unwanted).to.deep.equal([]);
    expect(packed.size).to.be.below(MAX_PACKED_BYTES);
  });

  describe("examples/prime-registry, installed from the tarball", function () {
    let project: InstalledProject;

    before(async function () {
      project = await installedProject({
        source: path.join(PROJECT_ROOT, "examples", "prime-registry"),
      });
    });

    it("passes its own test (npx hardhat test): 7919 signed and recorded, 7918 refused", async function () {
      const result = await project.run("npx", ["--no-install", "hardhat", "test"]);
      expectSuccess(result, "npx hardhat test");
      expect(result.output).to.match(/\b6 passing\b/);
      expect(result.output).not.to.match(/failing/);
    });

    it("holds README.md's ten-line test, verbatim", async function () {
      const readme = await fs.readFile(path.join(PROJECT_ROOT, "README.md"), "utf8");
      const test = await fs.readFile(
        path.join(PROJECT_ROOT, "examples", "prime-registry", "test", "quickstart.test.ts"),
        "utf8",
      );
      const body = test.replace(/^\/\/.*\n/gm, "");
      expect(readme).to.include("```ts\n" + body + "```");
    });

    it("type-checks against the package's declarations (hre.pkp is typed)", async function () {
      // After the test above: its compile generated the project's own typechain-types.
      expectSuccess(await project.run("npx", ["--no-install", "tsc", "--noEmit"]), "tsc --noEmit");
    });
  });

  describe("a JavaScript project that imports the plugin and uses no PKP", function () {
    let project: InstalledProject;

    before(async function () {
      project = await installedProject({ files: BYSTANDER_FILES });
    });

    it("still compiles and tests, and the plugin deployed, started and wrote nothing", async function () {
      const result = await project.run("npx", ["--no-install", "hardhat", "test"]);
      expectSuccess(result, "npx hardhat test");
      expect(result.output).to.match(/\b2 passing\b/);
      for (const dir of ["deployments", "ignition", ".oracle", "proofs"]) {
        expect(existsSync(path.join(project.path, dir)), dir).to.equal(false);
      }
    });

    it("has the pkp:* tasks of this repository, with the same flags and defaults, and every task's implementation loads", async function () {
      const result = await project.run("npx", [
        "--no-install",
        "hardhat",
        "run",
        "--no-compile",
        "scripts/list-pkp-tasks.js",
      ]);
      expectSuccess(result, "hardhat run scripts/list-pkp-tasks.js");
      const line = /^PKP_TASKS (.*)$/m.exec(result.output);
      expect(line, result.output).not.to.equal(null);
      expect(JSON.parse(line?.[1] ?? "[]")).to.deep.equal(ourTasks());
      const loaded = JSON.parse(
        /^PKP_IMPLEMENTATIONS (.*)$/m.exec(result.output)?.[1] ?? "[]",
      ) as string[];
      expect(loaded).to.include.members(await ourImplementations());
    });

    it("builds the explorer's page from the installed package", async function () {
      const result = await project.run("node", ["scripts/explorer-page.js"]);
      expectSuccess(result, "node scripts/explorer-page.js");
      const files = JSON.parse(
        /^EXPLORER_FILES (.*)$/m.exec(result.output)?.[1] ?? "[]",
      ) as string[];
      expect(files).to.include.members([
        "/",
        "/app/app.js",
        "/app/sandbox-worker.js",
        "/app/quickjs.wasm",
        "/app/compiled.json",
      ]);
    });

    it("pkp:deploy deploys the stack from the package's artifacts and records it under the project's root", async function () {
      const result = await project.run("npx", [
        "--no-install",
        "hardhat",
        "pkp:deploy",
        "--network",
        "hardhat",
      ]);
      expectSuccess(result, "hardhat pkp:deploy");
      expect(result.output).to.include("Deployed the PKP stack");
      const record = JSON.parse(
        await fs.readFile(path.join(project.path, "deployments", "hardhat.json"), "utf8"),
      ) as { compiler: { settings: unknown } };
      // Our compiler settings (the package's build), not the project's (optimizer runs 200).
      expect(record.compiler.settings).to.deep.equal({
        optimizer: { enabled: true, runs: 10_000 },
        viaIR: true,
        evmVersion: "cancun",
      });
    });
  });
});
