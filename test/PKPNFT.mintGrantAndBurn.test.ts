import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MintGrantBurnThenMutate__factory } from "../typechain-types";
import { fakeCid, testKeys } from "./helpers/keys";
import { shouldLockGrantsAfterBurn } from "./helpers/behaviours";
import {
  AUTH_METHOD_ACTION,
  deployStack,
  KEY_TYPE_ECDSA,
  mintGrantAndBurn,
  SCOPE_SIGN_ANYTHING,
  Stack,
  stackWithPoolFixture,
} from "./helpers/stack";

const CID = fakeCid("isPrime.js");
const OTHER_CID = fakeCid("evil.js");

/** What a failed mintGrantAndBurnNext must leave exactly as it was. */
async function observableState(stack: Stack) {
  const next = stack.poolKeys.length ? await stack.router.unmintedKeys(KEY_TYPE_ECDSA, 0, 1) : [];
  return {
    totalSupply: await stack.pkpNft.totalSupply(),
    pool: await stack.router.unmintedKeyCount(KEY_TYPE_ECDSA),
    nextKey: next.map((id) => id.toString()),
    holders: (await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, CID)).length,
    balance: await ethers.provider.getBalance(await stack.pkpNft.getAddress()),
  };
}

describe("PKPNFT.mintGrantAndBurnNext", () => {
  async function mintedGrantedBurnedFixture() {
    const stack = await stackWithPoolFixture();
    const supplyBefore = await stack.pkpNft.totalSupply();
    const { tokenId, receipt } = await mintGrantAndBurn(stack, stack.alice, CID);
    return { stack, tokenId, receipt, supplyBefore };
  }

  describe("in one transaction", () => {
    it("mints the oldest unminted key", async () => {
      const { stack, tokenId } = await loadFixture(mintedGrantedBurnedFixture);
      expect(tokenId).to.equal(stack.poolKeys[0].tokenId);
    });

    it("emits the mint, the grant with scope 1 and the burn, in that order", async () => {
      const { stack, tokenId, receipt } = await loadFixture(mintedGrantedBurnedFixture);
      const nft = await stack.pkpNft.getAddress();
      const permissions = await stack.permissions.getAddress();
      const decoded = receipt.logs.map((log) => {
        const contract = log.address === nft ? stack.pkpNft : stack.permissions;
        const parsed = contract.interface.parseLog(log);
        return { emitter: log.address, name: parsed?.name, args: parsed?.args.toArray() };
      });
      expect(decoded).to.deep.equal([
        { emitter: nft, name: "PKPMinted", args: [tokenId, stack.poolKeys[0].publicKey] },
        { emitter: nft, name: "Transfer", args: [ethers.ZeroAddress, nft, tokenId] },
        {
          emitter: permissions,
          name: "PermittedAuthMethodScopeAdded",
          args: [tokenId, AUTH_METHOD_ACTION, CID, SCOPE_SIGN_ANYTHING],
        },
        {
          emitter: permissions,
          name: "PermittedAuthMethodAdded",
          args: [tokenId, AUTH_METHOD_ACTION, CID, "0x"],
        },
        { emitter: nft, name: "Transfer", args: [nft, ethers.ZeroAddress, tokenId] },
      ]);
    });

    it("puts the token id in topics[1] of the first log, where Lit's SDK reads it", async () => {
      const { tokenId, receipt } = await loadFixture(mintedGrantedBurnedFixture);
      expect(BigInt(receipt.logs[0].topics[1])).to.equal(tokenId);
    });

    it("leaves the PKP burned: ownerOf reverts and exists is false", async () => {
      const { stack, tokenId } = await loadFixture(mintedGrantedBurnedFixture);
      await expect(stack.pkpNft.ownerOf(tokenId))
        .to.be.revertedWithCustomError(stack.pkpNft, "ERC721NonexistentToken")
        .withArgs(tokenId);
      expect(await stack.pkpNft.exists(tokenId)).to.equal(false);
      expect(await stack.pkpNft.ownerOrZero(tokenId)).to.equal(ethers.ZeroAddress);
    });

    it("changes neither the supply nor PKPNFT's own balance of tokens", async () => {
      const { stack, supplyBefore } = await loadFixture(mintedGrantedBurnedFixture);
      expect(await stack.pkpNft.totalSupply()).to.equal(supplyBefore);
      expect(await stack.pkpNft.balanceOf(await stack.pkpNft.getAddress())).to.equal(0n);
    });

    it("permits exactly that action, with scope 1, and nothing else", async () => {
      const { stack, tokenId } = await loadFixture(mintedGrantedBurnedFixture);
      const p = stack.permissions;
      expect(await p.isPermittedAction(tokenId, CID)).to.equal(true);
      expect(
        await p.isPermittedAuthMethodScopePresent(tokenId, AUTH_METHOD_ACTION, CID, 1),
      ).to.equal(true);
      expect(
        await p.getPermittedAuthMethodScopes(tokenId, AUTH_METHOD_ACTION, CID, 4),
      ).to.deep.equal([false, true, false, false]);
      expect(await p.getPermittedActions(tokenId)).to.deep.equal([CID]);
      expect(await p.getPermittedAddresses(tokenId)).to.deep.equal([]);
      const methods = await p.getPermittedAuthMethods(tokenId);
      expect(methods.map((m) => [m.authMethodType, m.id, m.userPubkey])).to.deep.equal([
        [AUTH_METHOD_ACTION, CID, "0x"],
      ]);
      expect(await p.isPermittedAction(tokenId, OTHER_CID)).to.equal(false);
    });

    it("keeps the PKP's public key readable after the burn", async () => {
      const { stack, tokenId } = await loadFixture(mintedGrantedBurnedFixture);
      expect(await stack.pkpNft.getPubkey(tokenId)).to.equal(stack.poolKeys[0].publicKey);
      expect(await stack.pkpNft.getEthAddress(tokenId)).to.equal(stack.poolKeys[0].ethAddress);
    });

    it("lists every PKP that a CID was granted to, including a CID seen before", async () => {
      const { stack, tokenId } = await loadFixture(mintedGrantedBurnedFixture);
      const second = await mintGrantAndBurn(stack, stack.bob, CID);
      expect(
        await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, CID),
      ).to.deep.equal([tokenId, second.tokenId]);
    });
  });

  describe("after it", () => {
    shouldLockGrantsAfterBurn(async () => {
      const { stack, tokenId } = await loadFixture(mintedGrantedBurnedFixture);
      return { stack, tokenId, lastOwner: stack.alice, operator: stack.bob };
    });
  });

  describe("refusals leave no trace", () => {
    const badCids: Array<[string, string]> = [
      ["an empty CID", "0x"],
      ["a 33-byte CID", ethers.dataSlice(CID, 0, 33)],
      ["a 35-byte CID", ethers.concat([CID, "0x00"])],
      [
        "a CID that is not a sha2-256 multihash",
        ethers.concat(["0x1221", ethers.dataSlice(CID, 2)]),
      ],
      ["a CIDv0 whose digest is zero (no code hashes to it)", "0x1220" + "00".repeat(32)],
      [
        "a CIDv1 string's bytes",
        ethers.hexlify(
          ethers.toUtf8Bytes("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"),
        ),
      ],
    ];
    for (const [what, cid] of badCids) {
      it(`rejects ${what}`, async () => {
        const stack = await loadFixture(stackWithPoolFixture);
        const before = await observableState(stack);
        await expect(stack.pkpNft.mintGrantAndBurnNext(KEY_TYPE_ECDSA, cid, { value: 1n }))
          .to.be.revertedWithCustomError(stack.pkpNft, "InvalidIpfsCID")
          .withArgs(ethers.hexlify(cid));
        expect(await observableState(stack)).to.deep.equal(before);
      });
    }

    for (const paid of [0n, 2n]) {
      it(`rejects a payment of ${paid} wei when the cost is 1 wei`, async () => {
        const stack = await loadFixture(stackWithPoolFixture);
        const before = await observableState(stack);
        await expect(stack.pkpNft.mintGrantAndBurnNext(KEY_TYPE_ECDSA, CID, { value: paid }))
          .to.be.revertedWithCustomError(stack.pkpNft, "IncorrectMintPayment")
          .withArgs(paid, 1n);
        expect(await observableState(stack)).to.deep.equal(before);
      });
    }

    it("rejects a mint from an empty pool", async () => {
      const stack = await loadFixture(stackWithPoolFixture);
      await expect(stack.pkpNft.mintGrantAndBurnNext(7n, CID, { value: 1n }))
        .to.be.revertedWithCustomError(stack.router, "NoUnmintedKeys")
        .withArgs(7n);
    });

    it("rejects a mint before PKPPermissions is wired", async () => {
      const [deployer] = await ethers.getSigners();
      const router = await ethers.deployContract("PubkeyRouter", [deployer.address]);
      const metadata = await ethers.deployContract("PKPNFTMetadata");
      const nft = await ethers.deployContract("PKPNFT", [deployer.address, router, metadata]);
      await expect(
        nft.mintGrantAndBurnNext(KEY_TYPE_ECDSA, CID, { value: 1n }),
      ).to.be.revertedWithCustomError(nft, "PkpPermissionsNotSet");
    });
  });

  describe("a contract that tries to act in the middle", () => {
    async function attackerFixture() {
      const stack = await stackWithPoolFixture();
      const attacker = await new MintGrantBurnThenMutate__factory(stack.stranger).deploy(
        stack.pkpNft,
        stack.permissions,
      );
      return { stack, attacker };
    }

    const attempts = [
      "AddAction",
      "AddAddress",
      "RemoveAction",
      "AddScope",
      "RemoveScope",
      "SetRootHash",
      "BatchAdd",
      "AddAuthMethod",
    ];
    attempts.forEach((attempt, index) => {
      it(`fails as a whole when it tries ${attempt} on the fresh PKP`, async () => {
        const { stack, attacker } = await loadFixture(attackerFixture);
        const before = await observableState(stack);
        await expect(attacker.attack(KEY_TYPE_ECDSA, CID, OTHER_CID, index, { value: 1n }))
          .to.be.revertedWithCustomError(stack.permissions, "NonexistentPKP")
          .withArgs(stack.poolKeys[0].tokenId);
        expect(await observableState(stack)).to.deep.equal(before);
      });
    });
  });

  it("works on a freshly deployed stack as the first ever mint", async () => {
    const stack = await deployStack();
    const keys = testKeys(1, "first");
    await stack.router.setRoutingDataBatch([keys[0].tokenId], [keys[0].publicKey], KEY_TYPE_ECDSA);
    const { tokenId } = await mintGrantAndBurn({ ...stack, poolKeys: keys }, stack.alice, CID);
    expect(tokenId).to.equal(keys[0].tokenId);
    expect(await stack.pkpNft.totalSupply()).to.equal(0n);
  });
});
