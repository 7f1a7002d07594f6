/**
 * Ether abuse of the mint cost and withdraw: wrong payments, withdraw by a non-owner, withdraw
 * to an owner contract that refuses ether or re-enters, plain sends, and ether forced in with
 * selfdestruct (which on cancun still moves the balance, EIP-6780). None lets ether be taken,
 * lost from the ledger, or used to pay for a mint.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ForceSender__factory, WithdrawingOwner__factory } from "../../typechain-types";
import { fakeCid } from "../helpers/keys";
import { KEY_TYPE_ECDSA, mintTo, stackWithPoolFixture } from "../helpers/stack";

const CID = fakeCid("ether.js");
const MAX_UINT96 = 2n ** 96n - 1n;

/** WithdrawingOwner.OnReceive */
const OnReceive = { Accept: 0, Refuse: 1, Reenter: 2 } as const;

describe("attack: ether abuse of mint cost and withdraw", () => {
  async function paidFixture() {
    const stack = await stackWithPoolFixture();
    await mintTo(stack, stack.alice);
    await mintTo(stack, stack.bob);
    const nftAddress = await stack.pkpNft.getAddress();
    return { stack, nftAddress };
  }

  async function contractOwnerFixture() {
    const { stack, nftAddress } = await paidFixture();
    const owner = await new WithdrawingOwner__factory(stack.deployer).deploy(nftAddress);
    await (await stack.pkpNft.transferOwnership(await owner.getAddress())).wait();
    return { stack, nftAddress, owner, ownerAddress: await owner.getAddress() };
  }

  const balanceOf = (address: string) => ethers.provider.getBalance(address);

  describe("mint cost", () => {
    for (const paid of [0n, 2n, 10n ** 18n]) {
      it(`mintNext and mintGrantAndBurnNext refuse ${paid} wei for a 1 wei mint: IncorrectMintPayment`, async () => {
        const { stack, nftAddress } = await loadFixture(paidFixture);
        await expect(stack.pkpNft.connect(stack.stranger).mintNext(KEY_TYPE_ECDSA, { value: paid }))
          .to.be.revertedWithCustomError(stack.pkpNft, "IncorrectMintPayment")
          .withArgs(paid, 1n);
        await expect(
          stack.pkpNft
            .connect(stack.stranger)
            .mintGrantAndBurnNext(KEY_TYPE_ECDSA, CID, { value: paid }),
        )
          .to.be.revertedWithCustomError(stack.pkpNft, "IncorrectMintPayment")
          .withArgs(paid, 1n);
        expect(await balanceOf(nftAddress)).to.equal(2n);
      });
    }

    it("a free mint (cost 0) refuses any payment, so no ether can be parked in PKPNFT by minting", async () => {
      const { stack } = await loadFixture(paidFixture);
      await (await stack.pkpNft.setMintCost(0n)).wait();
      await expect(stack.pkpNft.connect(stack.stranger).mintNext(KEY_TYPE_ECDSA, { value: 1n }))
        .to.be.revertedWithCustomError(stack.pkpNft, "IncorrectMintPayment")
        .withArgs(1n, 0n);
      await expect(stack.pkpNft.connect(stack.stranger).mintNext(KEY_TYPE_ECDSA)).to.emit(
        stack.pkpNft,
        "PKPMinted",
      );
    });

    it("only the owner sets the cost, and only within 96 bits", async () => {
      const { stack } = await loadFixture(paidFixture);
      await expect(stack.pkpNft.connect(stack.stranger).setMintCost(0n))
        .to.be.revertedWithCustomError(stack.pkpNft, "OwnableUnauthorizedAccount")
        .withArgs(stack.stranger.address);
      await expect(stack.pkpNft.setMintCost(MAX_UINT96 + 1n))
        .to.be.revertedWithCustomError(stack.pkpNft, "MintCostTooHigh")
        .withArgs(MAX_UINT96 + 1n, MAX_UINT96);
      expect(await stack.pkpNft.mintCost()).to.equal(1n);
    });
  });

  describe("withdraw", () => {
    it("refuses a non-owner (even a PKP holder): OwnableUnauthorizedAccount; balance stays", async () => {
      const { stack, nftAddress } = await loadFixture(paidFixture);
      for (const caller of [stack.stranger, stack.alice]) {
        await expect(stack.pkpNft.connect(caller).withdraw())
          .to.be.revertedWithCustomError(stack.pkpNft, "OwnableUnauthorizedAccount")
          .withArgs(caller.address);
      }
      expect(await balanceOf(nftAddress)).to.equal(2n);
    });

    it("to an owner contract that refuses ether: reverts with its error, nothing is lost", async () => {
      const { stack, nftAddress, owner } = await loadFixture(contractOwnerFixture);
      await (await owner.setOnReceive(OnReceive.Refuse)).wait();
      await expect(owner.withdraw())
        .to.be.revertedWithCustomError(owner, "EtherRefused")
        .withArgs(2n);
      expect(await balanceOf(nftAddress)).to.equal(2n);
      // The owner can still recover: accept ether (or hand ownership back) and withdraw.
      await (await owner.setOnReceive(OnReceive.Accept)).wait();
      await expect(owner.withdraw()).to.emit(stack.pkpNft, "Withdrew").withArgs(2n);
      expect(await balanceOf(nftAddress)).to.equal(0n);
    });

    it("to an owner contract that re-enters withdraw: paid exactly once, the re-entry gets 0", async () => {
      const { stack, nftAddress, owner, ownerAddress } = await loadFixture(contractOwnerFixture);
      await (await owner.setOnReceive(OnReceive.Reenter)).wait();
      const tx = owner.withdraw();
      await expect(tx).to.emit(owner, "ReenteredWithdraw").withArgs(true, "0x");
      const receipt = await (await tx).wait();
      const withdrawn = receipt!.logs
        .filter((log) => log.address === nftAddress)
        .map((log) => stack.pkpNft.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "Withdrew")
        .map((parsed) => parsed!.args[0] as bigint);
      // The inner (re-entrant) withdraw completes first, with nothing left to send.
      expect(withdrawn).to.deep.equal([0n, 2n]);
      expect(await balanceOf(ownerAddress)).to.equal(2n);
      expect(await balanceOf(nftAddress)).to.equal(0n);
    });
  });

  describe("ether sent outside a mint", () => {
    it("PKPNFT, PKPPermissions, PKPHelper and the router refuse plain ether", async () => {
      const { stack } = await loadFixture(paidFixture);
      for (const contract of [stack.pkpNft, stack.permissions, stack.helper, stack.router]) {
        const to = await contract.getAddress();
        await expect(
          stack.stranger.sendTransaction({ to, value: 1n }),
        ).to.be.revertedWithoutReason();
        expect(await balanceOf(to)).to.equal(to === (await stack.pkpNft.getAddress()) ? 2n : 0n);
      }
    });

    it("ether forced into PKPNFT by selfdestruct pays for no mint and goes out with withdraw", async () => {
      const { stack, nftAddress } = await loadFixture(paidFixture);
      const sender = await new ForceSender__factory(stack.stranger).deploy({ value: 5n });
      await (await sender.forceSend(nftAddress)).wait();
      expect(await balanceOf(nftAddress)).to.equal(7n);
      await expect(stack.pkpNft.connect(stack.stranger).mintNext(KEY_TYPE_ECDSA))
        .to.be.revertedWithCustomError(stack.pkpNft, "IncorrectMintPayment")
        .withArgs(0n, 1n);
      await expect(stack.pkpNft.withdraw()).to.emit(stack.pkpNft, "Withdrew").withArgs(7n);
      expect(await balanceOf(nftAddress)).to.equal(0n);
    });

    it("ether forced into PKPHelper pays for no mint: it forwards msg.value only", async () => {
      const { stack } = await loadFixture(paidFixture);
      const helperAddress = await stack.helper.getAddress();
      const sender = await new ForceSender__factory(stack.stranger).deploy({ value: 5n });
      await (await sender.forceSend(helperAddress)).wait();
      await expect(
        stack.helper
          .connect(stack.stranger)
          .mintNextAndAddAuthMethods(KEY_TYPE_ECDSA, [], [], [], [], false, false),
      )
        .to.be.revertedWithCustomError(stack.pkpNft, "IncorrectMintPayment")
        .withArgs(0n, 1n);
      expect(await balanceOf(helperAddress)).to.equal(5n);
    });
  });
});
