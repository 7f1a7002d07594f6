import { expect } from "chai";
import { promises as fs } from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  ProofBundleError,
  parseProofBundle,
  readProofBundle,
  writeProofBundle,
  type ProofBundle,
} from "../../src/proof";
import { expectRejection, expectThrow } from "../helpers/expectRejection";
import { wellFormedBundle } from "../helpers/proofBundles";
import { makeTempDir } from "../helpers/tempDir";

describe("proof bundle schema", function () {
  /** A well-formed bundle (its claims are not true on any chain: the schema does not care). */
  async function bundleFixture() {
    const bundle = wellFormedBundle({
      seed: "schema",
      digest: ethers.toBeHex(7919, 32),
      jsParams: { number: 7919 },
      signatureName: "prime",
    });
    return { bundle };
  }

  /** A mutable deep copy as plain JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests write any shape
  const json = (bundle: ProofBundle): Record<string, any> => JSON.parse(JSON.stringify(bundle));

  function problemsOf(value: unknown): readonly string[] {
    return expectThrow(() => parseProofBundle(value), ProofBundleError, "PROOF_MALFORMED").problems;
  }

  let dir: { path: string; remove(): Promise<void> };
  before(async function () {
    dir = await makeTempDir("pkp-proof-schema-");
  });
  after(async function () {
    await dir?.remove();
  });

  it("accepts a well-formed bundle and checksums its addresses", async function () {
    const { bundle } = await loadFixture(bundleFixture);
    const lower = json(bundle);
    lower.pkp.ethAddress = lower.pkp.ethAddress.toLowerCase();
    const parsed = parseProofBundle(lower);
    expect(parsed).to.deep.equal(bundle);
  });

  it("names every bad field, not just the first", async function () {
    const { bundle } = await loadFixture(bundleFixture);
    const bad = json(bundle);
    bad.version = 2;
    bad.pkp.publicKey = bad.pkp.publicKey.slice(0, -2);
    bad.action.ipfsId = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
    bad.execution.signatures.prime.r = `0x${bad.execution.signatures.prime.r}`;
    bad.contracts.PKPNFT.deployedBlock = -1;
    const problems = problemsOf(bad);
    expect(problems.map((p) => p.split(":")[0])).to.have.members([
      "version",
      "pkp.publicKey",
      "action.ipfsId",
      "execution.signatures.prime.r",
      "contracts.PKPNFT.deployedBlock",
    ]);
    expect(problems.join("\n")).to.include("pkp.publicKey: expected 0x04 + 64 bytes");
  });

  it("refuses a missing required contract, but not a missing optional one", async function () {
    const { bundle } = await loadFixture(bundleFixture);
    const bad = json(bundle);
    delete bad.contracts.PKPPermissions;
    expect(problemsOf(bad)).to.deep.equal([
      "contracts.PKPPermissions: expected { address, deployedBlock }, got nothing",
    ]);
  });

  it("refuses a tokenId given as a JSON number (it cannot hold a uint256)", async function () {
    const { bundle } = await loadFixture(bundleFixture);
    const bad = json(bundle);
    bad.pkp.tokenId = 12345;
    expect(problemsOf(bad)).to.deep.equal([
      "pkp.tokenId: expected a uint256 as a decimal string, got number 12345",
    ]);
  });

  it("refuses unknown fields, so a typo does not go unnoticed", async function () {
    const { bundle } = await loadFixture(bundleFixture);
    const bad = json(bundle);
    bad.mintTxHas = bad.mintTxHash;
    bad.execution.signatures.prime.v = 27;
    expect(problemsOf(bad)).to.have.members([
      "mintTxHas: unknown field",
      "execution.signatures.prime.v: unknown field",
    ]);
  });

  it("refuses a signature with a short dataSigned or a recid of 27", async function () {
    const { bundle } = await loadFixture(bundleFixture);
    const bad = json(bundle);
    bad.execution.signatures.prime.dataSigned = "0x1eef";
    bad.execution.signatures.prime.recid = 27;
    expect(problemsOf(bad).map((p) => p.split(":")[0])).to.have.members([
      "execution.signatures.prime.dataSigned",
      "execution.signatures.prime.recid",
    ]);
  });

  it("refuses something that is not an object", function () {
    expect(problemsOf([])).to.deep.equal(["(root): expected an object, got an array"]);
  });

  it("round-trips through writeProofBundle and readProofBundle", async function () {
    const { bundle } = await loadFixture(bundleFixture);
    const file = await writeProofBundle(path.join(dir.path, "nested", "proof.json"), bundle);
    expect(await readProofBundle(file)).to.deep.equal(bundle);
  });

  it("says which file is missing or not JSON", async function () {
    const missing = path.join(dir.path, "missing.json");
    const notFound = await expectRejection(
      readProofBundle(missing),
      ProofBundleError,
      "PROOF_NOT_FOUND",
    );
    expect(notFound.message).to.equal(`no proof bundle at ${missing}`);
    const garbled = path.join(dir.path, "garbled.json");
    await fs.writeFile(garbled, "{ not json");
    const notJson = await expectRejection(
      readProofBundle(garbled),
      ProofBundleError,
      "PROOF_NOT_JSON",
    );
    expect(notJson.message).to.include(garbled);
  });

  it("starts the message of a malformed file with its name", async function () {
    const { bundle } = await loadFixture(bundleFixture);
    const file = path.join(dir.path, "bad.json");
    await fs.writeFile(file, JSON.stringify({ ...bundle, chainId: "31337" }));
    const error = await expectRejection(readProofBundle(file), ProofBundleError, "PROOF_MALFORMED");
    expect(error.message).to.equal(
      `${file} is not a valid proof bundle:\n  - chainId: expected a chain id (positive integer), ` +
        'got "31337" (5 characters)',
    );
  });
});
