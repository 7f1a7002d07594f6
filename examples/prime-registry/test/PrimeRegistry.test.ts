import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import type { MintedPkp, PkpOracleClient } from "lit-pkp-local/hardhat";

const PRIME = 7919;
const NOT_PRIME = 7918;
/** What isPrime.js signs: the number as a 32-byte big-endian word. */
const digestOf = (n: number) => ethers.zeroPadValue(ethers.toBeHex(n), 32);

describe("PrimeRegistry, trusting a PKP that can only sign through isPrime.js", function () {
  let oracle: PkpOracleClient;

  before(async function () {
    await hre.pkp.fixture(); // the PKP contracts, from the package's artifacts
    oracle = await hre.pkp.startOracle(); // in this process: keystore, key pool, action sandbox
  });

  after(async function () {
    await oracle?.stop();
  });

  /** A PKP minted, granted isPrime.js and burned in one transaction; a registry trusting it. */
  async function primePkpFixture() {
    await hre.pkp.fixture();
    const pkp = await hre.pkp.mintGrantAndBurn(hre.pkp.exampleAction("isPrime"));
    const registry = await ethers.deployContract("PrimeRegistry", [pkp.ethAddress]);
    return { pkp, registry };
  }

  /** Asks the oracle to run isPrime.js with the PKP on `n` (Lit's executeJs). */
  async function askToSign(pkp: MintedPkp, n: number) {
    const jsParams = { number: n, publicKey: pkp.publicKey };
    return { jsParams, result: await oracle.execute({ ipfsId: pkp.ipfsId, jsParams }) };
  }

  it("records 7919: the oracle signs it through isPrime.js and the registry accepts the PKP's signature", async function () {
    const { pkp, registry } = await loadFixture(primePkpFixture);
    const { result } = await askToSign(pkp, PRIME);
    expect(result.response).to.deep.equal({ number: "7919", signed: true, prime: true });
    const { signature, dataSigned } = result.signatures.prime;
    expect(dataSigned).to.equal(digestOf(PRIME));

    await expect(registry.record(PRIME, signature)).to.emit(registry, "Recorded").withArgs(PRIME);
    expect(await registry.isRecorded(PRIME)).to.equal(true);
  });

  it("gets no signature for 7918, and the registry refuses 7918 with the signature of 7919", async function () {
    const { pkp, registry } = await loadFixture(primePkpFixture);
    const { result } = await askToSign(pkp, NOT_PRIME);
    expect(result.signatures).to.deep.equal({});
    expect(result.response).to.deep.equal({
      number: "7918",
      signed: false,
      reason: "7918 is not prime",
    });

    const prime = (await askToSign(pkp, PRIME)).result.signatures.prime.signature;
    await expect(registry.record(NOT_PRIME, prime))
      .to.be.revertedWithCustomError(registry, "NotSignedByPkp")
      .withArgs(NOT_PRIME, anyValue);
    expect(await registry.isRecorded(NOT_PRIME)).to.equal(false);
    expect(await registry.pkp()).to.equal(pkp.ethAddress);
  });

  it("refuses a number signed by any other key", async function () {
    const { registry } = await loadFixture(primePkpFixture);
    const stranger = ethers.Wallet.createRandom();
    const signature = stranger.signingKey.sign(digestOf(PRIME)).serialized;
    await expect(registry.record(PRIME, signature))
      .to.be.revertedWithCustomError(registry, "NotSignedByPkp")
      .withArgs(PRIME, stranger.address);
  });

  it("the PKP signs nothing for its minter: it was burned, only isPrime.js may use it", async function () {
    const { pkp } = await loadFixture(primePkpFixture);
    // Signed with the deployer's authSig: it minted the PKP, but the PKP was burned in that
    // same transaction and has no owner (and no permitted address) any more.
    const refusal = await oracle.sign({ pubKey: pkp.publicKey, toSign: digestOf(NOT_PRIME) }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).to.have.property("code", "NOT_PERMITTED");
  });

  it("the proof of the 7919 signature verifies, as an auditor would check it", async function () {
    const { pkp } = await loadFixture(primePkpFixture);
    const { jsParams, result } = await askToSign(pkp, PRIME);
    const bundle = await hre.pkp.proofBundle(pkp, { jsParams, result });
    const report = await hre.pkp.verifyProof(bundle, { reexecute: true });
    expect(report.checks.filter((check) => check.status !== "pass")).to.deep.equal([]);
    expect(report.ok).to.equal(true);
  });
});
