import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { mintGrantAndBurnNext, mintedPkpOf, PkpMintError } from "../src/pkpMint";
import { KEY_TYPE_ECDSA } from "../src/protocol";
import { fakeCid } from "./helpers/keys";
import { deployStack, stackWithPoolFixture, type Stack } from "./helpers/stack";

interface PkpMintFixture {
  stack: Stack;
  /** A second deployment, without keys: its PKPNFT is another contract with the same events. */
  other: Awaited<ReturnType<typeof deployStack>>;
}

async function pkpMintFixture(): Promise<PkpMintFixture> {
  return { stack: await stackWithPoolFixture(), other: await deployStack() };
}

describe("pkpMint: mintGrantAndBurnNext and the PKP its receipt names", function () {
  it("mints, grants the action and burns in one transaction, and returns the PKP of its PKPMinted event", async function () {
    const { stack } = await loadFixture(pkpMintFixture);
    const cid = fakeCid("pkpMint");
    const minted = await mintGrantAndBurnNext(stack.pkpNft.connect(stack.alice), cid);
    expect(minted.publicKey).to.equal((await stack.pkpNft.getPubkey(minted.tokenId)).toLowerCase());
    expect(minted.ethAddress).to.equal(await stack.pkpNft.getEthAddress(minted.tokenId));
    expect(minted.receipt.status).to.equal(1);
    expect(await stack.pkpNft.exists(minted.tokenId)).to.equal(false);
    expect(await stack.permissions.isPermittedAction(minted.tokenId, cid)).to.equal(true);
  });

  it("refuses, as NO_PKP_MINTED, a receipt without PKPMinted", async function () {
    const { stack } = await loadFixture(pkpMintFixture);
    const value = await stack.pkpNft.mintCost();
    const minted = await (
      await stack.pkpNft.connect(stack.alice).mintNext(KEY_TYPE_ECDSA, { value })
    ).wait();
    const tokenId = (await mintedPkpOf(stack.pkpNft, minted!)).tokenId;
    const transfer = await (
      await stack.pkpNft
        .connect(stack.alice)
        .transferFrom(stack.alice.address, stack.stranger.address, tokenId)
    ).wait();
    const refusal = await mintedPkpOf(stack.pkpNft, transfer!).catch((error: unknown) => error);
    expect(refusal).to.be.instanceOf(PkpMintError);
    expect((refusal as PkpMintError).code).to.equal("NO_PKP_MINTED");
    expect((refusal as PkpMintError).message).to.include(transfer!.hash);
  });

  it("reads PKPMinted only from the PKPNFT it is given: another contract's event is not this PKP", async function () {
    const { stack, other } = await loadFixture(pkpMintFixture);
    const { receipt } = await mintGrantAndBurnNext(stack.pkpNft.connect(stack.alice), fakeCid("a"));
    const refusal = await mintedPkpOf(other.pkpNft, receipt).catch((error: unknown) => error);
    expect((refusal as PkpMintError).code).to.equal("NO_PKP_MINTED");
  });

  it("lets the contract's revert through when the pool is empty (NoUnmintedKeys)", async function () {
    const { other } = await loadFixture(pkpMintFixture);
    await expect(mintGrantAndBurnNext(other.pkpNft.connect(other.alice), fakeCid("b")))
      .to.be.revertedWithCustomError(other.router, "NoUnmintedKeys")
      .withArgs(KEY_TYPE_ECDSA);
  });
});
