import { expect } from "chai";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import {
  CoverageRunError,
  contractSuites,
  coverageSuites,
  globOf,
  mergeShards,
  shards,
} from "../../scripts/coverage-sol";
import { runCommand } from "../helpers/hardhatNode";
import { makeTempDir } from "../helpers/tempDir";

const ROOT = path.resolve(__dirname, "..", "..");

/** istanbul data of one contract with two statements and one function, hits as given. */
function fileCoverage(file: string, statementHits: [number, number], functionHits: number) {
  const at = (line: number) => ({ start: { line, column: 0 }, end: { line, column: 10 } });
  return {
    [file]: {
      path: file,
      statementMap: { "0": at(2), "1": at(3) },
      fnMap: { "0": { name: "f", line: 1, decl: at(1), loc: at(1) } },
      branchMap: {},
      s: { "0": statementHits[0], "1": statementHits[1] },
      f: { "0": functionHits },
      b: {},
    },
  };
}

describe("scripts/coverage-sol: Solidity coverage in two shards", function () {
  it("knows every contract suite (test/PKP*, PubkeyRouter, four folders) and nothing else", function () {
    const suites = contractSuites(ROOT);
    expect(suites).to.include.members([
      "test/PKPPermissions.test.ts",
      "test/PKPNFT.test.ts",
      "test/PubkeyRouter.test.ts",
      "test/properties/pkpLifecycle.test.ts",
      "test/base/ERC721PackedEnumerable.test.ts",
      "test/attacks/ether.test.ts",
      "test/libraries/PkpHead.test.ts",
    ]);
    expect(suites.filter((file) => file.startsWith("test/oracle/"))).to.deep.equal([]);
    expect(coverageSuites(ROOT, true)).to.deep.equal(suites);
  });

  it("runs instrumented only the suites that reach something the others do not", function () {
    const suites = coverageSuites(ROOT, false);
    expect(suites).to.include.members([
      "test/PKPPermissions.test.ts",
      "test/PKPNFT.test.ts",
      "test/PKPNFT.claimAndMint.test.ts",
      "test/PubkeyRouter.test.ts",
    ]);
    expect(
      suites.filter((file) => /properties|attacks|base|libraries|PKPNFTMetadata/.test(file)),
    ).to.deep.equal([]);
  });

  it("splits the suites into two shards, each suite in one", function () {
    const suites = coverageSuites(ROOT);
    const [first, second] = shards(suites);
    expect(first).to.deep.equal([
      "test/PKPPermissions.test.ts",
      "test/PKPPermissions.headGrant.test.ts",
    ]);
    expect([...first, ...second].sort()).to.deep.equal(suites);
    for (const file of first) expect(second).to.not.include(file);
  });

  it("leaves out of the instrumented run only tests that exist, each pattern at least one, and a minority", async function () {
    // mocha's dry run lists the suites' tests without running them.
    const suites = coverageSuites(ROOT);
    const listed = await runCommand(
      path.join(ROOT, "node_modules", ".bin", "mocha"),
      ["--dry-run", "--require", "hardhat/register", "--reporter", "json", ...suites],
      { env: { PKP_COVERAGE_SHARD: undefined } },
    );
    expect(listed.code, listed.stderr).to.equal(0);
    const titles = (JSON.parse(listed.stdout) as { tests: Array<{ fullTitle: string }> }).tests.map(
      (test) => test.fullTitle,
    );
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- .solcover.js is CommonJS
    const { mocha } = require("../../.solcover.js") as {
      mocha: { grep?: RegExp; invert?: boolean };
    };
    expect(mocha.invert).to.equal(true);
    const leftOut = titles.filter((title) => mocha.grep?.test(title));
    for (const pattern of mocha.grep?.source.split("|") ?? []) {
      expect(
        titles.some((title) => new RegExp(pattern).test(title)),
        `no test matches ${pattern}`,
      ).to.equal(true);
    }
    // An empty alternative would match every title.
    expect(leftOut.length).to.be.within(1, titles.length / 2);
  });

  it("leaves nothing out with PKP_COVERAGE_ALL=1", async function () {
    const listed = await runCommand(
      process.execPath,
      ["-p", "JSON.stringify(require('./.solcover.js').mocha)"],
      { env: { PKP_COVERAGE_ALL: "1" } },
    );
    expect(JSON.parse(listed.stdout)).to.deep.equal({ timeout: 600_000 });
  });

  it("refuses a first shard whose suite is gone", function () {
    expect(() => shards(["test/PKPNFT.test.ts"]))
      .to.throw(CoverageRunError, /no such suite: test\/PKPPermissions\.test\.ts/)
      .with.property("code", "COVERAGE_SHARD_FAILED");
  });

  it("names one file as itself and several as a brace glob", function () {
    expect(globOf(["test/a.test.ts"])).to.equal("test/a.test.ts");
    expect(globOf(["test/a.test.ts", "test/b/c.test.ts"])).to.equal(
      "{test/a.test.ts,test/b/c.test.ts}",
    );
  });

  it("adds up both shards' hits: a line run only by the second shard is covered", async function () {
    const temp = await makeTempDir("pkp-coverage-sol-");
    try {
      const file = "contracts/X.sol";
      const a = path.join(temp.path, "a");
      const b = path.join(temp.path, "b");
      await fs.mkdir(a);
      await fs.mkdir(b);
      await fs.writeFile(
        path.join(a, "coverage-final.json"),
        JSON.stringify(fileCoverage(file, [3, 0], 1)),
      );
      await fs.writeFile(
        path.join(b, "coverage-final.json"),
        JSON.stringify(fileCoverage(file, [0, 2], 0)),
      );
      const out = path.join(temp.path, "out");
      mergeShards([a, b], out, path.join(temp.path, "coverage.json"), ["json-summary"]);
      const summary = JSON.parse(
        await fs.readFile(path.join(out, "coverage-summary.json"), "utf8"),
      ) as Record<string, Record<string, { total: number; covered: number }>>;
      expect(summary.total.statements).to.include({ total: 2, covered: 2 });
      expect(summary.total.lines).to.include({ total: 2, covered: 2 });
      expect(summary.total.functions).to.include({ total: 1, covered: 1 });
      const merged = JSON.parse(await fs.readFile(path.join(temp.path, "coverage.json"), "utf8"));
      expect(merged[file].s).to.deep.equal({ "0": 3, "1": 2 });
    } finally {
      await temp.remove();
    }
  });

  it("refuses, as COVERAGE_DATA_MISSING, a shard that wrote nothing", async function () {
    const temp = await makeTempDir("pkp-coverage-sol-");
    try {
      expect(() => mergeShards([temp.path], temp.path, path.join(temp.path, "c.json")))
        .to.throw(CoverageRunError, /wrote no coverage/)
        .with.property("code", "COVERAGE_DATA_MISSING");
    } finally {
      await temp.remove();
    }
  });
});
