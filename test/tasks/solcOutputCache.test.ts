import { expect } from "chai";
import { promises as fs } from "node:fs";
import path from "node:path";
import {
  cachedSolcOutput,
  MAX_ENTRIES,
  solcCacheDir,
  solcCacheKey,
} from "../../tasks/solcOutputCache";
import { makeTempDir } from "../helpers/tempDir";

type Output = { errors?: { severity?: string }[]; contracts?: Record<string, unknown> };

describe("solc output cache (tasks/solcOutputCache.ts)", function () {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let compiles: number;
  const compileTo = (output: Output) => async () => {
    compiles += 1;
    return output;
  };

  beforeEach(async function () {
    temp = await makeTempDir("pkp-solc-cache-");
    compiles = 0;
  });
  afterEach(async function () {
    await temp.remove();
  });

  it("compiles once per input and version, and answers the same output from the cache after", async function () {
    const output = { contracts: { "A.sol": { A: { abi: [] } } } };
    const first = await cachedSolcOutput(temp.path, "v1", { a: 1 }, compileTo(output));
    const second = await cachedSolcOutput(temp.path, "v1", { a: 1 }, compileTo({}));
    expect(first).to.deep.equal(output);
    expect(second).to.deep.equal(output);
    expect(compiles).to.equal(1);
    await cachedSolcOutput(temp.path, "v1", { a: 2 }, compileTo(output));
    await cachedSolcOutput(temp.path, "v2", { a: 1 }, compileTo(output));
    expect(compiles, "another input or another compiler is another entry").to.equal(3);
  });

  it("does not store an output with errors: the next compile reports them again", async function () {
    const failed = { errors: [{ severity: "error" }] };
    await cachedSolcOutput(temp.path, "v1", { a: 1 }, compileTo(failed));
    await cachedSolcOutput(temp.path, "v1", { a: 1 }, compileTo(failed));
    expect(compiles).to.equal(2);
    const warned = { errors: [{ severity: "warning" }] };
    await cachedSolcOutput(temp.path, "v1", { b: 1 }, compileTo(warned));
    await cachedSolcOutput(temp.path, "v1", { b: 1 }, compileTo(warned));
    expect(compiles, "warnings alone are cached").to.equal(3);
  });

  it("recompiles over a torn entry and replaces it", async function () {
    const file = path.join(temp.path, `${solcCacheKey("v1", { a: 1 })}.json`);
    await fs.writeFile(file, '{"contracts": {');
    const output = { contracts: {} };
    expect(await cachedSolcOutput(temp.path, "v1", { a: 1 }, compileTo(output))).to.deep.equal(
      output,
    );
    expect(compiles).to.equal(1);
    expect(JSON.parse(await fs.readFile(file, "utf8"))).to.deep.equal(output);
  });

  it(`keeps at most ${MAX_ENTRIES} outputs, the least recently used going first`, async function () {
    for (let i = 0; i <= MAX_ENTRIES; i++) {
      await cachedSolcOutput(temp.path, "v1", { i }, compileTo({ contracts: {} }));
      // mtime has a resolution of a few ms on some file systems: keep the order unambiguous
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const names = (await fs.readdir(temp.path)).filter((name) => name.endsWith(".json"));
    expect(names).to.have.length(MAX_ENTRIES);
    expect(names).not.to.include(`${solcCacheKey("v1", { i: 0 })}.json`);
  });

  it("is skipped, never fatal, when its folder cannot be written", async function () {
    const blocked = path.join(temp.path, "a-file");
    await fs.writeFile(blocked, "");
    const output = { contracts: {} };
    const answer = await cachedSolcOutput(blocked, "v1", { a: 1 }, compileTo(output));
    expect(answer).to.deep.equal(output);
  });

  it("lives under PKP_SOLC_CACHE_DIR or the user's cache folder, and PKP_SOLC_CACHE=0 turns it off", function () {
    expect(solcCacheDir({ PKP_SOLC_CACHE_DIR: "/x" })).to.equal("/x");
    expect(solcCacheDir({ XDG_CACHE_HOME: "/c" })).to.equal("/c/lit-pkp-local/solc-output");
    expect(solcCacheDir({ PKP_SOLC_CACHE: "0", PKP_SOLC_CACHE_DIR: "/x" })).to.equal(undefined);
  });
});
