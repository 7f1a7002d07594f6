/**
 * `hre.pkp`, the plugin's helpers, as this repository's own hardhat.config.ts loads them (from
 * sources). test/package/ runs the same helpers from the packed tarball in other projects.
 */
import { expect } from "chai";
import * as path from "node:path";
import hre, { ethers } from "hardhat";
import { cidOfCode, cidToBytes } from "../../src/cid";
import { writeProofBundle } from "../../src/proof";
import { KEY_TYPE_ECDSA } from "../../src/protocol";
import { PkpHelpers } from "../../plugin/helpers";
import type { PkpDeployment, PkpOracleClient } from "../../plugin/types";
import { OracleError } from "../../src/oracle/errors";
import { PkpPluginError } from "../../plugin/errors";
import { expectRejection } from "../helpers/expectRejection";
import { makeTempDir } from "../helpers/tempDir";

describe("hre.pkp (the Hardhat plugin's helpers)", function () {
  let stack: PkpDeployment;
  let oracle: PkpOracleClient;

  before(async function () {
    stack = await hre.pkp.fixture();
    oracle = await hre.pkp.startOracle({ poolTarget: 2 });
  });

  after(async function () {
    await oracle?.stop();
  });

  it("fixture() deploys and wires the five contracts, and returns the same stack after a restore", async function () {
    const { contracts, record } = stack;
    expect(await contracts.pkpNft.getPkpPermissionsAddress()).to.equal(
      record.contracts.PKPPermissions.address,
    );
    expect(await contracts.pubkeyRouter.getPkpNftAddress()).to.equal(
      record.contracts.PKPNFT.address,
    );
    expect(record.network).to.equal("hardhat");
    const again = await hre.pkp.fixture();
    expect(again.record).to.deep.equal(record);
    expect(await ethers.provider.getCode(record.contracts.PKPHelper.address)).not.to.equal("0x");
  });

  it("deploy() reuses the live stack instead of deploying again", async function () {
    const blockBefore = await ethers.provider.getBlockNumber();
    const deployment = await hre.pkp.deploy();
    expect(deployment.deployedNow).to.equal(false);
    expect(deployment.record).to.deep.equal(stack.record);
    expect(await ethers.provider.getBlockNumber()).to.equal(blockBefore);
  });

  it("startOracle() keeps the router's pool of unminted keys at its target", async function () {
    await hre.pkp.fixture(); // an empty pool again
    expect(await oracle.provision()).to.equal(2);
    expect(await stack.contracts.pubkeyRouter.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(2n);
  });

  it("mintGrantAndBurn(file) leaves a burned PKP granted the action only, which signs 7919 through it", async function () {
    await hre.pkp.fixture();
    const pkp = await hre.pkp.mintGrantAndBurn(hre.pkp.exampleAction("isPrime"));
    const { pkpNft, pkpPermissions } = stack.contracts;
    expect(await pkpNft.exists(pkp.tokenId)).to.equal(false);
    expect(await pkpPermissions.getPermittedActions(pkp.tokenId)).to.deep.equal([
      cidToBytes(pkp.ipfsId),
    ]);
    expect(pkp.ipfsId).to.equal(await cidOfCode(pkp.code));
    expect(pkp.tokenId).to.equal(BigInt(ethers.keccak256(pkp.publicKey)));
    const receipt = await ethers.provider.getTransactionReceipt(pkp.txHash);
    expect(receipt?.to).to.equal(stack.record.contracts.PKPNFT.address);

    const result = await oracle.execute({
      ipfsId: pkp.ipfsId,
      jsParams: { number: 7919, publicKey: pkp.publicKey },
    });
    expect(result.success).to.equal(true);
    expect(result.response).to.deep.equal({ number: "7919", signed: true, prime: true });
    const { signature, dataSigned } = result.signatures.prime;
    expect(ethers.recoverAddress(dataSigned, signature)).to.equal(pkp.ethAddress);
  });

  it("mintGrantAndBurn(code) takes the code itself; a response that is not JSON stays a string", async function () {
    const code = 'LitActions.setResponse({ response: "plain text" });';
    const pkp = await hre.pkp.mintGrantAndBurn(code);
    expect(pkp.ipfsId).to.equal(await cidOfCode(code));
    const result = await oracle.execute({ code });
    expect(result.response).to.equal("plain text");
    expect(result.signatures).to.deep.equal({});
  });

  it("sign() signs a digest for the PKP's owner (the deployer's authSig), as Lit's pkpSign", async function () {
    const { pkpNft, pubkeyRouter } = stack.contracts;
    await oracle.provision();
    const tx = await pkpNft.mintNext(KEY_TYPE_ECDSA, { value: await pkpNft.mintCost() });
    const receipt = await tx.wait();
    const minted = receipt?.logs
      .map((log) => pkpNft.interface.parseLog(log))
      .find((parsed) => parsed?.name === "PKPMinted");
    const tokenId = minted?.args[0] as bigint;
    const pubKey = await pubkeyRouter.getPubkey(tokenId);
    const digest = ethers.keccak256(ethers.toUtf8Bytes("owner's message"));
    const signature = await oracle.sign({ pubKey, toSign: digest });
    expect(signature.dataSigned).to.equal(digest);
    expect(ethers.recoverAddress(digest, signature.signature)).to.equal(
      ethers.computeAddress(pubKey),
    );
  });

  it("refuses with typed errors: a burned PKP's minter, an unknown action, a missing file, no oracle, a stopped one", async function () {
    const prime = await hre.pkp.mintGrantAndBurn(hre.pkp.exampleAction("isPrime"));
    const digest = ethers.zeroPadValue(ethers.toBeHex(7918), 32);
    await expectRejection(
      oracle.sign({ pubKey: prime.publicKey, toSign: digest }),
      OracleError,
      "NOT_PERMITTED",
    );
    await expectRejection(
      oracle.execute({ ipfsId: "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG" }),
      OracleError,
      "ACTION_NOT_FOUND",
    );
    const missing = await expectRejection(
      hre.pkp.mintGrantAndBurn("actions/doesNotExist.js"),
      PkpPluginError,
      "ACTION_UNREADABLE",
    );
    expect(missing.message).to.include(path.join(hre.config.paths.root, "actions"));

    const fresh = new PkpHelpers(hre); // a second facade: no oracle started through it
    await expectRejection(
      fresh.mintGrantAndBurn(hre.pkp.exampleAction("isPrime")),
      PkpPluginError,
      "NO_ORACLE",
    );
    const stopped = await hre.pkp.startOracle({ poolTarget: 0 });
    await stopped.stop();
    await expectRejection(stopped.execute({ code: "1" }), PkpPluginError, "NO_ORACLE");
    await expectRejection(hre.pkp.startOracle({ workers: 0 }), PkpPluginError, "INVALID_OPTION");
    await expectRejection(hre.pkp.deploy({ mintCost: -1n }), PkpPluginError, "INVALID_OPTION");
  });

  it("proofBundle() and verifyProof() prove the 7919 signature; a tampered bundle is rejected", async function () {
    await hre.pkp.fixture();
    const pkp = await hre.pkp.mintGrantAndBurn(hre.pkp.exampleAction("isPrime"));
    const jsParams = { number: 7919, publicKey: pkp.publicKey };
    const result = await oracle.execute({ ipfsId: pkp.ipfsId, jsParams });
    const bundle = await hre.pkp.proofBundle(pkp, { jsParams, result });

    const report = await hre.pkp.verifyProof(bundle, { reexecute: true });
    expect(report.checks.filter((check) => check.status !== "pass")).to.deep.equal([]);
    expect(report.ok).to.equal(true);

    // From a file, as pkp:execute writes them; a signature claimed over another number is not
    // the PKP's, and the verifier says so.
    const dir = await makeTempDir();
    try {
      const tampered = structuredClone(bundle);
      tampered.execution.signatures.prime.dataSigned = ethers.zeroPadValue(
        ethers.toBeHex(7907),
        32,
      );
      const file = await writeProofBundle(path.join(dir.path, "tampered.json"), tampered);
      const rejected = await hre.pkp.verifyProof(file);
      expect(rejected.ok).to.equal(false);
      expect(rejected.checks.find((check) => check.id === "signatures")?.status).to.equal("fail");
      expect(rejected.checks.find((check) => check.id === "reproduction")?.status).to.equal("skip");
    } finally {
      await dir.remove();
    }
  });
});
