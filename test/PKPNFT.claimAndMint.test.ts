import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { KEY_TYPE_BLS } from "../src/protocol";
import {
  ClaimSignature,
  derivedKeyIdOf,
  derivedTestKey,
  routeDerivedKey,
  RoutedClaim,
  signClaim,
} from "./helpers/claims";
import { fakeCid, testKeys } from "./helpers/keys";
import { KeyStatus } from "./helpers/routerHelpers";
import {
  AUTH_METHOD_ACTION,
  deployStack,
  KEY_TYPE_ECDSA,
  mintTo,
  registerKeys,
  SCOPE_SIGN_ANYTHING,
  stackWithPoolFixture,
} from "./helpers/stack";

// Lit's claimed keys, the contract side (LIT-AUTH.md B): the oracle routes the key it derived
// for a derived key id (setDerivedRoutingData, key providers only) before it answers a claim;
// claimAndMint checks datil's conditions in datil's order and mints that key, once.

const STAKING = "0x000000000000000000000000000000000000beef";
const CLAIM_ID = derivedKeyIdOf("QmWalletAction", "alice@example.com");
const OTHER_ID = derivedKeyIdOf("QmWalletAction", "bob@example.com");

async function claimFixture() {
  const stack = await stackWithPoolFixture();
  const [, , , , , validator, outsider] = await ethers.getSigners();
  // The oracle's signing account: a key provider of the router, the one "validator".
  await (await stack.router.grantKeyProvider(validator)).wait();
  const claim: RoutedClaim = await routeDerivedKey(
    stack.router.connect(validator),
    CLAIM_ID,
    derivedTestKey(0),
  );
  const signatures = [await signClaim(validator, CLAIM_ID)];
  return { stack, validator, outsider, claim, signatures };
}

describe("PKPNFT.claimAndMint and derived keys", () => {
  describe("routing a derived key (setDerivedRoutingData)", () => {
    it("routes the key with its derived key id: PubkeyRoutingDataSet, routing data, getDerivedPubkey", async () => {
      const stack = await loadFixture(stackWithPoolFixture);
      const key = derivedTestKey(1);
      await expect(stack.router.setDerivedRoutingData(OTHER_ID, key.publicKey, KEY_TYPE_ECDSA))
        .to.emit(stack.router, "PubkeyRoutingDataSet")
        .withArgs(key.tokenId, key.publicKey, ethers.ZeroAddress, KEY_TYPE_ECDSA, OTHER_ID);
      const data = await stack.router.getRoutingData(key.tokenId);
      expect([data.pubkey, data.keyType, data.derivedKeyId]).to.deep.equal([
        key.publicKey,
        KEY_TYPE_ECDSA,
        OTHER_ID,
      ]);
      expect(await stack.router.getDerivedPubkey(STAKING, OTHER_ID)).to.equal(key.publicKey);
      expect(await stack.router.getDerivedPubkey(STAKING, CLAIM_ID)).to.equal("0x");
      expect(await stack.router.keyStatus(key.tokenId)).to.equal(KeyStatus.Claimable);
      expect(await stack.router.ethAddressToPkpId(key.ethAddress)).to.equal(key.tokenId);
    });

    it("keeps the key out of the pool: mintNext never hands it out", async () => {
      const stack = await deployStack();
      const [poolKey] = testKeys(1, "claim-pool");
      await registerKeys(stack.router, [poolKey]);
      const key = derivedTestKey(2);
      await routeDerivedKey(stack.router, OTHER_ID, key);
      expect(await stack.router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(1n);
      expect(await stack.router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 10n)).to.deep.equal([
        poolKey.tokenId,
      ]);
      expect(await mintTo(stack, stack.alice)).to.equal(poolKey.tokenId);
      await expect(stack.pkpNft.connect(stack.bob).mintNext(KEY_TYPE_ECDSA, { value: 1n }))
        .to.be.revertedWithCustomError(stack.router, "NoUnmintedKeys")
        .withArgs(KEY_TYPE_ECDSA);
      await expect(stack.router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, [key.tokenId]))
        .to.be.revertedWithCustomError(stack.router, "KeyNotInPool")
        .withArgs(key.tokenId, KEY_TYPE_ECDSA);
      expect(await stack.router.keyStatus(key.tokenId)).to.equal(KeyStatus.Claimable);
    });

    it("refuses a second key for the same derived key id with DerivedKeyAlreadyRouted", async () => {
      const { stack, claim } = await loadFixture(claimFixture);
      const other = derivedTestKey(3);
      await expect(stack.router.setDerivedRoutingData(CLAIM_ID, other.publicKey, KEY_TYPE_ECDSA))
        .to.be.revertedWithCustomError(stack.router, "DerivedKeyAlreadyRouted")
        .withArgs(CLAIM_ID, claim.key.tokenId);
    });

    it("refuses a key routed before (as a derived or a pool key) with AlreadyRouted", async () => {
      const { stack, claim } = await loadFixture(claimFixture);
      await expect(
        stack.router.setDerivedRoutingData(OTHER_ID, claim.key.publicKey, KEY_TYPE_ECDSA),
      )
        .to.be.revertedWithCustomError(stack.router, "AlreadyRouted")
        .withArgs(claim.key.tokenId);
      const poolKey = stack.poolKeys[0];
      await expect(stack.router.setDerivedRoutingData(OTHER_ID, poolKey.publicKey, KEY_TYPE_ECDSA))
        .to.be.revertedWithCustomError(stack.router, "AlreadyRouted")
        .withArgs(poolKey.tokenId);
      await expect(
        stack.router.setRoutingData(
          claim.key.tokenId,
          claim.key.publicKey,
          STAKING,
          KEY_TYPE_ECDSA,
          ethers.ZeroHash,
        ),
      )
        .to.be.revertedWithCustomError(stack.router, "AlreadyRouted")
        .withArgs(claim.key.tokenId);
    });

    it("refuses a zero derived key id, a non-provider and a malformed key", async () => {
      const { stack, outsider } = await loadFixture(claimFixture);
      const key = derivedTestKey(4);
      await expect(
        stack.router.setDerivedRoutingData(ethers.ZeroHash, key.publicKey, KEY_TYPE_ECDSA),
      ).to.be.revertedWithCustomError(stack.router, "ZeroDerivedKeyId");
      await expect(
        stack.router
          .connect(outsider)
          .setDerivedRoutingData(OTHER_ID, key.publicKey, KEY_TYPE_ECDSA),
      )
        .to.be.revertedWithCustomError(stack.router, "NotKeyProvider")
        .withArgs(outsider.address);
      await expect(
        stack.router.setDerivedRoutingData(OTHER_ID, key.publicKey.slice(0, 66), KEY_TYPE_ECDSA),
      )
        .to.be.revertedWithCustomError(stack.router, "InvalidPubkeyLength")
        .withArgs(32n);
      await expect(stack.router.setDerivedRoutingData(OTHER_ID, key.publicKey, 2n ** 16n))
        .to.be.revertedWithCustomError(stack.router, "KeyTypeOutOfRange")
        .withArgs(2n ** 16n);
    });

    it("lets only PKPNFT take a derived key", async () => {
      const { stack, outsider } = await loadFixture(claimFixture);
      await expect(stack.router.connect(outsider).takeDerivedKey(CLAIM_ID, KEY_TYPE_ECDSA))
        .to.be.revertedWithCustomError(stack.router, "CallerNotPkpNft")
        .withArgs(outsider.address);
    });
  });

  describe("claimAndMint", () => {
    it("mints the routed key to the caller: PKPMinted first, then Transfer; the key is Minted", async () => {
      const { stack, claim, signatures } = await loadFixture(claimFixture);
      const nft = stack.pkpNft.connect(stack.alice);
      const args = [KEY_TYPE_ECDSA, CLAIM_ID, signatures, STAKING] as const;
      expect(await nft.claimAndMint.staticCall(...args, { value: 1n })).to.equal(claim.key.tokenId);
      const tx = nft.claimAndMint(...args, { value: 1n });
      await expect(tx)
        .to.emit(stack.pkpNft, "PKPMinted")
        .withArgs(claim.key.tokenId, claim.key.publicKey)
        .and.to.emit(stack.pkpNft, "Transfer")
        .withArgs(ethers.ZeroAddress, stack.alice.address, claim.key.tokenId);
      const receipt = await (await tx).wait();
      // Lit's SDK reads the minted id from the first log's topics[1].
      expect(BigInt(receipt!.logs[0].topics[1])).to.equal(claim.key.tokenId);
      expect(await stack.pkpNft.ownerOf(claim.key.tokenId)).to.equal(stack.alice.address);
      expect(await stack.pkpNft.tokenOfOwnerByIndex(stack.alice, 0n)).to.equal(claim.key.tokenId);
      expect(await stack.router.keyStatus(claim.key.tokenId)).to.equal(KeyStatus.Minted);
      expect(await stack.pkpNft.getPubkey(claim.key.tokenId)).to.equal(claim.key.publicKey);
      expect(await ethers.provider.getBalance(await stack.pkpNft.getAddress())).to.equal(1n);
    });

    it("gives a claimed PKP permissions and a place in the reverse index like any PKP", async () => {
      const { stack, claim, signatures } = await loadFixture(claimFixture);
      await (
        await stack.pkpNft
          .connect(stack.alice)
          .claimAndMint(KEY_TYPE_ECDSA, CLAIM_ID, signatures, STAKING, { value: 1n })
      ).wait();
      const cid = fakeCid("claimed-wallet.js");
      await expect(
        stack.permissions
          .connect(stack.alice)
          .addPermittedAction(claim.key.tokenId, cid, [SCOPE_SIGN_ANYTHING]),
      )
        .to.emit(stack.permissions, "PermittedAuthMethodAdded")
        .withArgs(claim.key.tokenId, AUTH_METHOD_ACTION, cid, "0x");
      expect(
        await stack.permissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, cid),
      ).to.deep.equal([claim.key.tokenId]);
      await (await stack.pkpNft.connect(stack.alice).burn(claim.key.tokenId)).wait();
      expect(await stack.router.keyStatus(claim.key.tokenId)).to.equal(KeyStatus.Minted);
      expect(await stack.permissions.isPermittedAction(claim.key.tokenId, cid)).to.equal(true);
    });

    it("accepts any staking contract address (ignored) and duplicate signatures", async () => {
      const { stack, claim, signatures } = await loadFixture(claimFixture);
      await expect(
        stack.pkpNft
          .connect(stack.bob)
          .claimAndMint(
            KEY_TYPE_ECDSA,
            CLAIM_ID,
            [...signatures, ...signatures],
            ethers.ZeroAddress,
            {
              value: 1n,
            },
          ),
      )
        .to.emit(stack.pkpNft, "PKPMinted")
        .withArgs(claim.key.tokenId, claim.key.publicKey);
    });

    it("lets whoever submits the signatures first own the PKP, as on Lit (they bind only the id)", async () => {
      const { stack, claim, signatures, outsider } = await loadFixture(claimFixture);
      await (
        await stack.pkpNft
          .connect(outsider)
          .claimAndMint(KEY_TYPE_ECDSA, CLAIM_ID, signatures, STAKING, { value: 1n })
      ).wait();
      expect(await stack.pkpNft.ownerOf(claim.key.tokenId)).to.equal(outsider.address);
      await expect(
        stack.pkpNft
          .connect(stack.alice)
          .claimAndMint(KEY_TYPE_ECDSA, CLAIM_ID, signatures, STAKING, { value: 1n }),
      )
        .to.be.revertedWithCustomError(stack.router, "DerivedKeyAlreadyClaimed")
        .withArgs(CLAIM_ID, claim.key.tokenId);
    });

    it("refuses a wrong payment first, before looking at the signatures", async () => {
      const { stack } = await loadFixture(claimFixture);
      for (const paid of [0n, 2n]) {
        await expect(
          stack.pkpNft.claimAndMint(KEY_TYPE_ECDSA, CLAIM_ID, [], STAKING, { value: paid }),
        )
          .to.be.revertedWithCustomError(stack.pkpNft, "IncorrectMintPayment")
          .withArgs(paid, 1n);
      }
    });

    it("refuses a claim with no signatures: TooFewClaimSignatures(0, 1)", async () => {
      const { stack } = await loadFixture(claimFixture);
      await expect(stack.pkpNft.claimAndMint(KEY_TYPE_ECDSA, CLAIM_ID, [], STAKING, { value: 1n }))
        .to.be.revertedWithCustomError(stack.pkpNft, "TooFewClaimSignatures")
        .withArgs(0n, 1n);
    });

    it("refuses a signature by an account that is not a key provider: ClaimSignerNotValidator", async () => {
      const { stack, signatures, outsider } = await loadFixture(claimFixture);
      const forged = await signClaim(outsider, CLAIM_ID);
      await expect(
        stack.pkpNft.claimAndMint(KEY_TYPE_ECDSA, CLAIM_ID, [forged], STAKING, { value: 1n }),
      )
        .to.be.revertedWithCustomError(stack.pkpNft, "ClaimSignerNotValidator")
        .withArgs(0n, outsider.address);
      await expect(
        stack.pkpNft.claimAndMint(KEY_TYPE_ECDSA, CLAIM_ID, [...signatures, forged], STAKING, {
          value: 1n,
        }),
      )
        .to.be.revertedWithCustomError(stack.pkpNft, "ClaimSignerNotValidator")
        .withArgs(1n, outsider.address);
    });

    it("refuses the validator's signature of another derived key id, and one by a revoked provider", async () => {
      const { stack, validator } = await loadFixture(claimFixture);
      const other = await signClaim(validator, OTHER_ID);
      const recovered = ethers.verifyMessage(
        ethers.getBytes(CLAIM_ID),
        ethers.Signature.from(other),
      );
      await expect(
        stack.pkpNft.claimAndMint(KEY_TYPE_ECDSA, CLAIM_ID, [other], STAKING, { value: 1n }),
      )
        .to.be.revertedWithCustomError(stack.pkpNft, "ClaimSignerNotValidator")
        .withArgs(0n, recovered);
      const signature = await signClaim(validator, CLAIM_ID);
      await (await stack.router.revokeKeyProvider(validator)).wait();
      await expect(
        stack.pkpNft.claimAndMint(KEY_TYPE_ECDSA, CLAIM_ID, [signature], STAKING, { value: 1n }),
      )
        .to.be.revertedWithCustomError(stack.pkpNft, "ClaimSignerNotValidator")
        .withArgs(0n, validator.address);
    });

    it("refuses a malformed signature (bad v, high s): InvalidClaimSignature(index)", async () => {
      const { stack, signatures } = await loadFixture(claimFixture);
      const good = signatures[0];
      const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const badV = { ...good, v: 29 };
      const highS = {
        ...good,
        s: ethers.toBeHex(SECP256K1_N - BigInt(good.s), 32),
        v: good.v === 27 ? 28 : 27,
      };
      const cases: Array<[bigint, ClaimSignature[]]> = [
        [0n, [badV]],
        [1n, [good, highS]],
      ];
      for (const [index, bad] of cases) {
        await expect(
          stack.pkpNft.claimAndMint(KEY_TYPE_ECDSA, CLAIM_ID, bad, STAKING, { value: 1n }),
        )
          .to.be.revertedWithCustomError(stack.pkpNft, "InvalidClaimSignature")
          .withArgs(index);
      }
    });

    it("refuses a derived key id with no key routed: DerivedKeyNotRouted", async () => {
      const { stack, validator } = await loadFixture(claimFixture);
      const signature = await signClaim(validator, OTHER_ID);
      await expect(
        stack.pkpNft.claimAndMint(KEY_TYPE_ECDSA, OTHER_ID, [signature], STAKING, { value: 1n }),
      )
        .to.be.revertedWithCustomError(stack.router, "DerivedKeyNotRouted")
        .withArgs(OTHER_ID);
    });

    it("refuses a claim for another key type: DerivedKeyTypeMismatch", async () => {
      const { stack, signatures } = await loadFixture(claimFixture);
      await expect(
        stack.pkpNft.claimAndMint(KEY_TYPE_BLS, CLAIM_ID, signatures, STAKING, { value: 1n }),
      )
        .to.be.revertedWithCustomError(stack.router, "DerivedKeyTypeMismatch")
        .withArgs(CLAIM_ID, KEY_TYPE_BLS, KEY_TYPE_ECDSA);
    });

    it("mints a key once: a second claim reverts with DerivedKeyAlreadyClaimed", async () => {
      const { stack, claim, signatures } = await loadFixture(claimFixture);
      const nft = stack.pkpNft.connect(stack.alice);
      await (
        await nft.claimAndMint(KEY_TYPE_ECDSA, CLAIM_ID, signatures, STAKING, { value: 1n })
      ).wait();
      await (await nft.burn(claim.key.tokenId)).wait();
      await expect(nft.claimAndMint(KEY_TYPE_ECDSA, CLAIM_ID, signatures, STAKING, { value: 1n }))
        .to.be.revertedWithCustomError(stack.router, "DerivedKeyAlreadyClaimed")
        .withArgs(CLAIM_ID, claim.key.tokenId);
    });
  });
});
