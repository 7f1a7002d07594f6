/**
 * A malicious PKPHelper caller: unsolicited PKPs sent to the helper, mismatched arrays, a fake
 * PKPNFT calling its receiver hook, wrong payments. (Re-entering the helper from a receiver hook
 * is in reentrantReceiver.test.ts.) Each is refused with its exact error and mints nothing, or
 * (a plain transferFrom, which ERC-721 cannot refuse) harms only the sender.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ContractCaller__factory } from "../../typechain-types";
import { fakeCid } from "../helpers/keys";
import {
  AUTH_METHOD_ACTION,
  KEY_TYPE_ECDSA,
  mintTo,
  SCOPE_SIGN_ANYTHING,
  Stack,
  stackWithPoolFixture,
} from "../helpers/stack";

const CID = fakeCid("helper-attack.js");

/** Pool size and supply: what a refused call must leave as it was. */
async function mintLedger(stack: Stack) {
  return {
    pool: await stack.router.unmintedKeyCount(KEY_TYPE_ECDSA),
    supply: await stack.pkpNft.totalSupply(),
    nftBalance: await ethers.provider.getBalance(await stack.pkpNft.getAddress()),
    helperBalance: await ethers.provider.getBalance(await stack.helper.getAddress()),
  };
}

describe("attack: malicious PKPHelper caller", () => {
  async function helperFixture() {
    const stack = await stackWithPoolFixture();
    const tokenId = await mintTo(stack, stack.alice);
    return { stack, tokenId, helperAddress: await stack.helper.getAddress() };
  }

  describe("unsolicited PKPs", () => {
    it("refuses a safe transfer from the owner: UnsolicitedTransfer(PKPNFT, owner)", async () => {
      const { stack, tokenId, helperAddress } = await loadFixture(helperFixture);
      await expect(
        stack.pkpNft
          .connect(stack.alice)
          ["safeTransferFrom(address,address,uint256)"](
            stack.alice.address,
            helperAddress,
            tokenId,
          ),
      )
        .to.be.revertedWithCustomError(stack.helper, "UnsolicitedTransfer")
        .withArgs(await stack.pkpNft.getAddress(), stack.alice.address);
      expect(await stack.pkpNft.ownerOf(tokenId)).to.equal(stack.alice.address);
    });

    it("refuses a safe transfer by an approved operator: UnsolicitedTransfer(PKPNFT, operator)", async () => {
      const { stack, tokenId, helperAddress } = await loadFixture(helperFixture);
      await (
        await stack.pkpNft.connect(stack.alice).setApprovalForAll(stack.bob.address, true)
      ).wait();
      await expect(
        stack.pkpNft
          .connect(stack.bob)
          ["safeTransferFrom(address,address,uint256,bytes)"](
            stack.alice.address,
            helperAddress,
            tokenId,
            "0x1234",
          ),
      )
        .to.be.revertedWithCustomError(stack.helper, "UnsolicitedTransfer")
        .withArgs(await stack.pkpNft.getAddress(), stack.bob.address);
    });

    it("a plain transferFrom strands the sender's PKP, which nobody can then re-permission", async () => {
      const { stack, tokenId, helperAddress } = await loadFixture(helperFixture);
      // ERC-721's transferFrom calls no hook: the helper cannot refuse it. Only the sender loses.
      await (
        await stack.pkpNft
          .connect(stack.alice)
          .transferFrom(stack.alice.address, helperAddress, tokenId)
      ).wait();
      await expect(stack.permissions.connect(stack.alice).addPermittedAction(tokenId, CID, [1n]))
        .to.be.revertedWithCustomError(stack.permissions, "NotPKPOwner")
        .withArgs(tokenId, stack.alice.address);
      // Later helper mints neither touch nor hand out the stranded PKP.
      await (
        await stack.helper
          .connect(stack.bob)
          .mintNextAndAddAuthMethods(
            KEY_TYPE_ECDSA,
            [AUTH_METHOD_ACTION],
            [CID],
            ["0x"],
            [[SCOPE_SIGN_ANYTHING]],
            false,
            false,
            { value: 1n },
          )
      ).wait();
      expect(await stack.pkpNft.ownerOf(tokenId)).to.equal(helperAddress);
      expect(await stack.pkpNft.balanceOf(helperAddress)).to.equal(1n);
      expect(await stack.permissions.getPermittedAuthMethods(tokenId)).to.deep.equal([]);
    });

    it("refuses a fake PKPNFT calling its receiver hook with itself as operator", async () => {
      const { stack, helperAddress } = await loadFixture(helperFixture);
      const fake = await new ContractCaller__factory(stack.stranger).deploy();
      const hook = stack.helper.interface.encodeFunctionData("onERC721Received", [
        helperAddress,
        stack.stranger.address,
        1n,
        "0x",
      ]);
      await expect(fake.forward(helperAddress, hook))
        .to.be.revertedWithCustomError(stack.helper, "UnsolicitedTransfer")
        .withArgs(await fake.getAddress(), helperAddress);
    });
  });

  describe("mismatched arrays mint nothing", () => {
    const one = [AUTH_METHOD_ACTION];
    const cases = [
      {
        error: "AuthMethodIdsLengthMismatch",
        args: [1n, 0n],
        call: (s: Stack) =>
          s.helper.mintNextAndAddAuthMethods(KEY_TYPE_ECDSA, one, [], ["0x"], [[]], false, false, {
            value: 1n,
          }),
      },
      {
        error: "AuthMethodPubkeysLengthMismatch",
        args: [1n, 2n],
        call: (s: Stack) =>
          s.helper.mintNextAndAddAuthMethods(
            KEY_TYPE_ECDSA,
            one,
            [CID],
            ["0x", "0x"],
            [[]],
            false,
            false,
            {
              value: 1n,
            },
          ),
      },
      {
        error: "AuthMethodScopesLengthMismatch",
        args: [1n, 0n],
        call: (s: Stack) =>
          s.helper.mintNextAndAddAuthMethods(KEY_TYPE_ECDSA, one, [CID], ["0x"], [], false, false, {
            value: 1n,
          }),
      },
      {
        error: "IpfsCidScopesLengthMismatch",
        args: [2n, 1n],
        call: (s: Stack) =>
          s.helper.mintNextAndAddAuthMethodsWithTypes(
            KEY_TYPE_ECDSA,
            [CID, CID],
            [[1n]],
            [],
            [],
            [],
            [],
            [],
            [],
            false,
            false,
            { value: 1n },
          ),
      },
      {
        error: "AddressScopesLengthMismatch",
        args: [1n, 3n],
        call: (s: Stack) =>
          s.helper.mintNextAndAddAuthMethodsWithTypes(
            KEY_TYPE_ECDSA,
            [],
            [],
            [s.bob.address],
            [[], [], []],
            [],
            [],
            [],
            [],
            false,
            false,
            { value: 1n },
          ),
      },
    ] as const;
    for (const { error, args, call } of cases) {
      it(`reverts with ${error}(${args.join(", ")}) and leaves pool, supply and balances as they were`, async () => {
        const { stack } = await loadFixture(helperFixture);
        const before = await mintLedger(stack);
        await expect(call(stack))
          .to.be.revertedWithCustomError(stack.helper, error)
          .withArgs(...args);
        expect(await mintLedger(stack)).to.deep.equal(before);
      });
    }
  });

  describe("payments", () => {
    for (const [paid, label] of [
      [0n, "underpays"],
      [2n, "overpays"],
    ] as const) {
      it(`forwards PKPNFT's IncorrectMintPayment(${paid}, 1) when the caller ${label}`, async () => {
        const { stack } = await loadFixture(helperFixture);
        const before = await mintLedger(stack);
        await expect(
          stack.helper.mintNextAndAddAuthMethods(KEY_TYPE_ECDSA, [], [], [], [], false, false, {
            value: paid,
          }),
        )
          .to.be.revertedWithCustomError(stack.pkpNft, "IncorrectMintPayment")
          .withArgs(paid, 1n);
        expect(await mintLedger(stack)).to.deep.equal(before);
      });
    }

    it("keeps no ether and no PKP after a mint", async () => {
      const { stack, helperAddress } = await loadFixture(helperFixture);
      await (
        await stack.helper.mintNextAndAddAuthMethods(KEY_TYPE_ECDSA, [], [], [], [], true, true, {
          value: 1n,
        })
      ).wait();
      expect(await ethers.provider.getBalance(helperAddress)).to.equal(0n);
      expect(await stack.pkpNft.balanceOf(helperAddress)).to.equal(0n);
    });
  });
});
