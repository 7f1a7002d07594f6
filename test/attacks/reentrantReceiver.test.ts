/**
 * An onERC721Received receiver that re-enters PKPNFT, PKPPermissions and PKPHelper while its
 * mint is in flight (contracts/test/attacks/ReentrantReceiver.sol). Each re-entry is either a
 * legitimate act of the PKP's owner, which the mint is already recorded for (as in
 * OpenZeppelin's ERC-721: the hook runs after the mint), or refused with an exact error; and
 * the ledgers (ownership, enumeration, pool, payments) stay consistent.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ContractCaller__factory, ReentrantReceiver__factory } from "../../typechain-types";
import { fakeCid } from "../helpers/keys";
import { KeyStatus } from "../helpers/routerHelpers";
import { AUTH_METHOD_ACTION, KEY_TYPE_ECDSA, stackWithPoolFixture } from "../helpers/stack";

const CID = fakeCid("reentrant.js");

/** ReentrantReceiver.Action */
const Action = {
  MintNext: 1,
  MintGrantAndBurn: 2,
  Burn: 3,
  TransferAway: 4,
  GrantOnInFlight: 5,
  GrantThroughAccomplice: 6,
  HelperMint: 7,
  ReturnToHelper: 8,
  CallHelperHook: 9,
} as const;

const coder = ethers.AbiCoder.defaultAbiCoder();
const encodedId = (tokenId: bigint) => coder.encode(["uint256"], [tokenId]);

describe("attack: re-entrant ERC-721 receiver during a mint", () => {
  async function attackerFixture() {
    const stack = await stackWithPoolFixture();
    const attacker = await new ReentrantReceiver__factory(stack.stranger).deploy(
      await stack.pkpNft.getAddress(),
      await stack.permissions.getAddress(),
      await stack.helper.getAddress(),
    );
    const accomplice = await new ContractCaller__factory(stack.stranger).deploy();
    // Pays for the re-entrant mints.
    await (
      await stack.stranger.sendTransaction({ to: await attacker.getAddress(), value: 10n })
    ).wait();
    const [first, second] = stack.poolKeys.map((k) => k.tokenId);
    return {
      stack,
      attacker,
      attackerAddress: await attacker.getAddress(),
      accomplice,
      first,
      second,
    };
  }

  it("re-entering mintNext mints the next key, paid separately, in pool order", async () => {
    const { stack, attacker, attackerAddress, first, second } = await loadFixture(attackerFixture);
    await attacker.arm(Action.MintNext, ethers.ZeroAddress, "0x");
    await expect(attacker.mintNext({ value: 1n }))
      .to.emit(attacker, "Reentered")
      .withArgs(Action.MintNext, first, attackerAddress, true, encodedId(second));
    expect(await stack.pkpNft.ownerOf(first)).to.equal(attackerAddress);
    expect(await stack.pkpNft.ownerOf(second)).to.equal(attackerAddress);
    expect(await stack.pkpNft.balanceOf(attackerAddress)).to.equal(2n);
    expect(await stack.pkpNft.totalSupply()).to.equal(2n);
    expect(await ethers.provider.getBalance(await stack.pkpNft.getAddress())).to.equal(2n);
    expect(await stack.router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(
      BigInt(stack.poolKeys.length - 2),
    );
  });

  it("re-entering mintGrantAndBurnNext burns the next key with its grant; the first PKP is untouched", async () => {
    const { stack, attacker, attackerAddress, first, second } = await loadFixture(attackerFixture);
    await attacker.arm(Action.MintGrantAndBurn, ethers.ZeroAddress, CID);
    await expect(attacker.mintNext({ value: 1n }))
      .to.emit(attacker, "Reentered")
      .withArgs(Action.MintGrantAndBurn, first, attackerAddress, true, encodedId(second));
    expect(await stack.pkpNft.ownerOf(first)).to.equal(attackerAddress);
    expect(await stack.pkpNft.exists(second)).to.equal(false);
    expect(await stack.permissions.isPermittedAction(second, CID)).to.equal(true);
    expect(await stack.permissions.isPermittedAction(first, CID)).to.equal(false);
    expect(await stack.pkpNft.totalSupply()).to.equal(1n);
  });

  it("burning the PKP inside its own mint leaves it burned for good, permissions frozen", async () => {
    const { stack, attacker, attackerAddress, first } = await loadFixture(attackerFixture);
    await attacker.arm(Action.Burn, ethers.ZeroAddress, "0x");
    await expect(attacker.mintNext({ value: 1n }))
      .to.emit(attacker, "Reentered")
      .withArgs(Action.Burn, first, attackerAddress, true, "0x");
    expect(await stack.pkpNft.exists(first)).to.equal(false);
    expect(await stack.pkpNft.totalSupply()).to.equal(0n);
    expect(await stack.pkpNft.balanceOf(attackerAddress)).to.equal(0n);
    expect(await stack.router.keyStatus(first)).to.equal(KeyStatus.Minted);
    await expect(stack.permissions.addPermittedAction(first, CID, [1n]))
      .to.be.revertedWithCustomError(stack.permissions, "NonexistentPKP")
      .withArgs(first);
  });

  it("transferring the PKP away inside its own mint hands it over consistently", async () => {
    const { stack, attacker, attackerAddress, first } = await loadFixture(attackerFixture);
    await attacker.arm(Action.TransferAway, stack.bob.address, "0x");
    await expect(attacker.mintNext({ value: 1n }))
      .to.emit(attacker, "Reentered")
      .withArgs(Action.TransferAway, first, attackerAddress, true, "0x");
    expect(await stack.pkpNft.ownerOf(first)).to.equal(stack.bob.address);
    expect(await stack.pkpNft.balanceOf(attackerAddress)).to.equal(0n);
    expect(await stack.pkpNft.tokenOfOwnerByIndex(stack.bob.address, 0n)).to.equal(first);
    expect(await stack.permissions.isPermittedAddress(first, attackerAddress)).to.equal(false);
    expect(await stack.permissions.isPermittedAddress(first, stack.bob.address)).to.equal(true);
  });

  it("granting on the in-flight PKP works only for its owner, who it already is", async () => {
    const { stack, attacker, attackerAddress, first } = await loadFixture(attackerFixture);
    await attacker.arm(Action.GrantOnInFlight, ethers.ZeroAddress, CID);
    await expect(attacker.mintNext({ value: 1n }))
      .to.emit(attacker, "Reentered")
      .withArgs(Action.GrantOnInFlight, first, attackerAddress, true, "0x");
    expect(await stack.permissions.isPermittedAction(first, CID)).to.equal(true);
  });

  it("an accomplice granting on the in-flight PKP is refused with NotPKPOwner", async () => {
    const { stack, attacker, attackerAddress, accomplice, first } =
      await loadFixture(attackerFixture);
    const accompliceAddress = await accomplice.getAddress();
    await attacker.arm(Action.GrantThroughAccomplice, accompliceAddress, CID);
    const refusal = stack.permissions.interface.encodeErrorResult("NotPKPOwner", [
      first,
      accompliceAddress,
    ]);
    await expect(attacker.mintNext({ value: 1n }))
      .to.emit(attacker, "Reentered")
      .withArgs(Action.GrantThroughAccomplice, first, attackerAddress, false, refusal);
    expect(await stack.permissions.isPermittedAction(first, CID)).to.equal(false);
    expect(await stack.pkpNft.ownerOf(first)).to.equal(attackerAddress);
  });

  it("re-entering PKPHelper during a mint mints a second PKP through it, paid separately", async () => {
    const { stack, attacker, attackerAddress, first, second } = await loadFixture(attackerFixture);
    await attacker.arm(Action.HelperMint, ethers.ZeroAddress, "0x");
    await expect(attacker.mintNext({ value: 1n }))
      .to.emit(attacker, "Reentered")
      .withArgs(Action.HelperMint, first, attackerAddress, true, encodedId(second));
    expect(await stack.pkpNft.ownerOf(second)).to.equal(attackerAddress);
    expect(await stack.pkpNft.balanceOf(await stack.helper.getAddress())).to.equal(0n);
    expect(await ethers.provider.getBalance(await stack.pkpNft.getAddress())).to.equal(2n);
  });

  it("gets control from a PKPHelper mint only once it owns the PKP, and may then grant", async () => {
    const { stack, attacker, attackerAddress, first } = await loadFixture(attackerFixture);
    await attacker.arm(Action.GrantOnInFlight, ethers.ZeroAddress, CID);
    await expect(attacker.mintThroughHelper({ value: 1n }))
      .to.emit(attacker, "Reentered")
      .withArgs(Action.GrantOnInFlight, first, attackerAddress, true, "0x");
    expect(await stack.permissions.isPermittedAction(first, CID)).to.equal(true);
  });

  it("re-entering PKPHelper from a PKPHelper mint mints a second PKP", async () => {
    const { stack, attacker, attackerAddress, first, second } = await loadFixture(attackerFixture);
    await attacker.arm(Action.HelperMint, ethers.ZeroAddress, "0x");
    await expect(attacker.mintThroughHelper({ value: 1n }))
      .to.emit(attacker, "Reentered")
      .withArgs(Action.HelperMint, first, attackerAddress, true, encodedId(second));
    expect(await stack.pkpNft.balanceOf(attackerAddress)).to.equal(2n);
    expect(await stack.pkpNft.balanceOf(await stack.helper.getAddress())).to.equal(0n);
  });

  it("cannot push the PKP back into PKPHelper mid-mint: UnsolicitedTransfer, PKP stays", async () => {
    const { stack, attacker, attackerAddress, first } = await loadFixture(attackerFixture);
    await attacker.arm(Action.ReturnToHelper, ethers.ZeroAddress, "0x");
    const refusal = stack.helper.interface.encodeErrorResult("UnsolicitedTransfer", [
      await stack.pkpNft.getAddress(),
      attackerAddress,
    ]);
    await expect(attacker.mintThroughHelper({ value: 1n }))
      .to.emit(attacker, "Reentered")
      .withArgs(Action.ReturnToHelper, first, attackerAddress, false, refusal);
    expect(await stack.pkpNft.ownerOf(first)).to.equal(attackerAddress);
    expect(await stack.pkpNft.balanceOf(await stack.helper.getAddress())).to.equal(0n);
  });

  it("cannot call PKPHelper's receiver hook posing as PKPNFT: UnsolicitedTransfer", async () => {
    const { stack, attacker, attackerAddress, first } = await loadFixture(attackerFixture);
    await attacker.arm(Action.CallHelperHook, ethers.ZeroAddress, "0x");
    const refusal = stack.helper.interface.encodeErrorResult("UnsolicitedTransfer", [
      attackerAddress,
      await stack.helper.getAddress(),
    ]);
    await expect(attacker.mintNext({ value: 1n }))
      .to.emit(attacker, "Reentered")
      .withArgs(Action.CallHelperHook, first, attackerAddress, false, refusal);
    expect(await stack.permissions.getPermittedAuthMethods(first)).to.deep.equal([]);
  });

  it("leaves the reverse index consistent after re-entrant grants (one entry per grant)", async () => {
    const { stack, attacker, first, second } = await loadFixture(attackerFixture);
    await attacker.arm(Action.MintGrantAndBurn, ethers.ZeroAddress, CID);
    await (await attacker.mintNext({ value: 1n })).wait();
    expect(await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, CID)).to.deep.equal(
      [second],
    );
    expect(first).to.not.equal(second);
  });
});
