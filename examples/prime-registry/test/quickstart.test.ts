// The ten-line test of README.md ("Use it in your own project"), verbatim: the package test
// checks that the two stay the same.
import { expect } from "chai";
import hre, { ethers } from "hardhat";

it("a burned PKP signs 7919 through isPrime.js", async function () {
  await hre.pkp.fixture(); // our five contracts, from the package's artifacts, snapshotted
  const oracle = await hre.pkp.startOracle(); // in this process: keystore, key pool, sandbox
  const pkp = await hre.pkp.mintGrantAndBurn(hre.pkp.exampleAction("isPrime"));
  const jsParams = { number: 7919, publicKey: pkp.publicKey };
  const { signatures } = await oracle.execute({ ipfsId: pkp.ipfsId, jsParams }); // Lit's shape
  const { dataSigned, signature } = signatures.prime;
  expect(ethers.recoverAddress(dataSigned, signature)).to.equal(pkp.ethAddress);
  await oracle.stop();
});
