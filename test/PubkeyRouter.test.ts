import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, setStorageAt } from "@nomicfoundation/hardhat-network-helpers";
import { PubkeyRouter__factory } from "../typechain-types";
import type { IPubkeyRouter } from "../typechain-types/contracts/PubkeyRouter";
import { KEY_TYPE_BLS } from "../src/protocol";
import {
  KEY_TYPE_ECDSA,
  Stack,
  deployStack,
  mintTo,
  registerKeys,
  stackWithPoolFixture,
} from "./helpers/stack";
import { TestKey, testKey, testKeys } from "./helpers/keys";
import {
  KeyStatus,
  POINT_WITH_SMALL_X,
  POINT_WITH_SMALL_Y,
  SECP256K1_P,
  flipBit,
  idsOf,
  mintNextAs,
  pubkeyFromXY,
  sortedIds,
  tokenIdOf,
  withPrefix,
  yIsOdd,
} from "./helpers/routerHelpers";

const STAKING = "0x000000000000000000000000000000000000bEEF";
const DERIVED_KEY_ID = ethers.id("derived-key-id");

/** The fields of a PubkeyRoutingData result, in declaration order. */
function fields(data: IPubkeyRouter.PubkeyRoutingDataStructOutput): [string, bigint, string] {
  return [data.pubkey, data.keyType, data.derivedKeyId];
}

/** The stack with an empty pool, and fresh keys that are not registered yet. */
async function emptyRouterFixture(): Promise<Stack & { keys: TestKey[] }> {
  const stack = await deployStack();
  return { ...stack, poolKeys: [], keys: testKeys(8, "router") };
}

/** A router deployed on its own, not wired to any PKPNFT yet. */
async function unwiredRouterFixture() {
  const [owner, alice, stranger] = await ethers.getSigners();
  const router = await new PubkeyRouter__factory(owner).deploy(owner.address);
  await router.waitForDeployment();
  return { router, owner, alice, stranger, keys: testKeys(4, "unwired") };
}

/** One way a public key can be refused, with the error and arguments the router must give. */
interface Refusal {
  behaviour: string;
  tokenId: bigint;
  pubkey: string;
  keyType: bigint;
  error: string;
  args: unknown[];
}

function refusalsFor(key: TestKey, otherKey: TestKey): Refusal[] {
  const ecdsa = KEY_TYPE_ECDSA;
  const raw = key.publicKey;
  const without04 = ethers.dataSlice(raw, 1);
  const with66 = ethers.concat([raw, "0x00"]);
  const compressed = ethers.SigningKey.computePublicKey(raw, true);
  const offCurveY = flipBit(raw, 64);
  const offCurveX = flipBit(raw, 1, 7);
  const xPlusP = pubkeyFromXY(POINT_WITH_SMALL_X.x + SECP256K1_P, POINT_WITH_SMALL_X.y);
  const yPlusP = pubkeyFromXY(POINT_WITH_SMALL_Y.x, POINT_WITH_SMALL_Y.y + SECP256K1_P);
  const infinity = pubkeyFromXY(0n, 0n);
  return [
    {
      behaviour: "a 64-byte key (no 0x04 prefix)",
      tokenId: tokenIdOf(without04),
      pubkey: without04,
      keyType: ecdsa,
      error: "InvalidPubkeyLength",
      args: [64n],
    },
    {
      behaviour: "a 66-byte key",
      tokenId: tokenIdOf(with66),
      pubkey: with66,
      keyType: ecdsa,
      error: "InvalidPubkeyLength",
      args: [66n],
    },
    {
      behaviour: "a 33-byte compressed key",
      tokenId: tokenIdOf(compressed),
      pubkey: compressed,
      keyType: ecdsa,
      error: "InvalidPubkeyLength",
      args: [33n],
    },
    {
      behaviour: "an empty key",
      tokenId: tokenIdOf("0x"),
      pubkey: "0x",
      keyType: ecdsa,
      error: "InvalidPubkeyLength",
      args: [0n],
    },
    ...[0x02, 0x03, 0x00].map((prefix) => {
      const pubkey = withPrefix(raw, prefix);
      return {
        behaviour: `a 65-byte key with prefix 0x0${prefix}`,
        tokenId: tokenIdOf(pubkey),
        pubkey,
        keyType: ecdsa,
        error: "InvalidPubkeyPrefix",
        args: [ethers.toBeHex(prefix, 1)],
      };
    }),
    {
      behaviour: "a key whose y has one bit flipped (off the curve)",
      tokenId: tokenIdOf(offCurveY),
      pubkey: offCurveY,
      keyType: ecdsa,
      error: "PubkeyNotOnCurve",
      args: [tokenIdOf(offCurveY)],
    },
    {
      behaviour: "a key whose x has one bit flipped (off the curve)",
      tokenId: tokenIdOf(offCurveX),
      pubkey: offCurveX,
      keyType: ecdsa,
      error: "PubkeyNotOnCurve",
      args: [tokenIdOf(offCurveX)],
    },
    {
      behaviour: "a key with x >= p (a curve point modulo p)",
      tokenId: tokenIdOf(xPlusP),
      pubkey: xPlusP,
      keyType: ecdsa,
      error: "PubkeyNotOnCurve",
      args: [tokenIdOf(xPlusP)],
    },
    {
      behaviour: "a key with y >= p (a curve point modulo p)",
      tokenId: tokenIdOf(yPlusP),
      pubkey: yPlusP,
      keyType: ecdsa,
      error: "PubkeyNotOnCurve",
      args: [tokenIdOf(yPlusP)],
    },
    {
      behaviour: "the all-zero point",
      tokenId: tokenIdOf(infinity),
      pubkey: infinity,
      keyType: ecdsa,
      error: "PubkeyNotOnCurve",
      args: [tokenIdOf(infinity)],
    },
    {
      behaviour: "a key whose token id is off by one",
      tokenId: key.tokenId + 1n,
      pubkey: raw,
      keyType: ecdsa,
      error: "TokenIdMismatch",
      args: [key.tokenId + 1n, key.tokenId],
    },
    {
      behaviour: "a key whose token id is another key's",
      tokenId: otherKey.tokenId,
      pubkey: raw,
      keyType: ecdsa,
      error: "TokenIdMismatch",
      args: [otherKey.tokenId, key.tokenId],
    },
    {
      behaviour: "a key whose token id was hashed without the 0x04 prefix",
      tokenId: tokenIdOf(without04),
      pubkey: raw,
      keyType: ecdsa,
      error: "TokenIdMismatch",
      args: [tokenIdOf(without04), key.tokenId],
    },
    {
      behaviour: "a key type of 2^16",
      tokenId: key.tokenId,
      pubkey: raw,
      keyType: MAX_KEY_TYPE + 1n,
      error: "KeyTypeOutOfRange",
      args: [MAX_KEY_TYPE + 1n],
    },
    {
      behaviour: "a key type of 2^256 - 1",
      tokenId: key.tokenId,
      pubkey: raw,
      keyType: ethers.MaxUint256,
      error: "KeyTypeOutOfRange",
      args: [ethers.MaxUint256],
    },
  ];
}

/** The largest key type the router accepts: key references keep 16 bits for it. */
const MAX_KEY_TYPE = 2n ** 16n - 1n;

describe("PubkeyRouter", function () {
  describe("administration", function () {
    it("makes its owner the first key provider and emits KeyProviderGranted", async function () {
      const { router, owner } = await loadFixture(unwiredRouterFixture);
      expect(await router.owner()).to.equal(owner.address);
      expect(await router.isKeyProvider(owner.address)).to.equal(true);
      await expect(router.deploymentTransaction())
        .to.emit(router, "KeyProviderGranted")
        .withArgs(owner.address);
    });

    it("wires the PKPNFT address once and emits PkpNftAddressSet", async function () {
      const { router, alice } = await loadFixture(unwiredRouterFixture);
      expect(await router.getPkpNftAddress()).to.equal(ethers.ZeroAddress);
      await expect(router.setPkpNftAddress(alice.address))
        .to.emit(router, "PkpNftAddressSet")
        .withArgs(alice.address);
      expect(await router.getPkpNftAddress()).to.equal(alice.address);
    });

    it("refuses to wire the PKPNFT address a second time", async function () {
      const { router, alice, stranger } = await loadFixture(unwiredRouterFixture);
      await (await router.setPkpNftAddress(alice.address)).wait();
      await expect(router.setPkpNftAddress(stranger.address))
        .to.be.revertedWithCustomError(router, "PkpNftAlreadySet")
        .withArgs(alice.address);
    });

    it("refuses to wire the zero address as PKPNFT", async function () {
      const { router } = await loadFixture(unwiredRouterFixture);
      await expect(router.setPkpNftAddress(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(router, "ZeroAddress")
        .withArgs();
    });

    it("refuses to let a non-owner wire the PKPNFT address", async function () {
      const { router, stranger } = await loadFixture(unwiredRouterFixture);
      await expect(router.connect(stranger).setPkpNftAddress(stranger.address))
        .to.be.revertedWithCustomError(router, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
    });

    it("is wired to the deployed PKPNFT by the deployment module", async function () {
      const { router, pkpNft } = await loadFixture(emptyRouterFixture);
      expect(await router.getPkpNftAddress()).to.equal(await pkpNft.getAddress());
      await expect(router.setPkpNftAddress(await pkpNft.getAddress()))
        .to.be.revertedWithCustomError(router, "PkpNftAlreadySet")
        .withArgs(await pkpNft.getAddress());
    });

    it("lets the owner grant the key-provider role, emitting KeyProviderGranted", async function () {
      const { router, alice, keys } = await loadFixture(emptyRouterFixture);
      expect(await router.isKeyProvider(alice.address)).to.equal(false);
      await expect(router.grantKeyProvider(alice.address))
        .to.emit(router, "KeyProviderGranted")
        .withArgs(alice.address);
      expect(await router.isKeyProvider(alice.address)).to.equal(true);
      await expect(
        router
          .connect(alice)
          .setRoutingData(
            keys[0].tokenId,
            keys[0].publicKey,
            STAKING,
            KEY_TYPE_ECDSA,
            DERIVED_KEY_ID,
          ),
      ).to.emit(router, "PubkeyRoutingDataSet");
    });

    it("lets the owner revoke the key-provider role, emitting KeyProviderRevoked", async function () {
      const { router, alice, keys } = await loadFixture(emptyRouterFixture);
      await (await router.grantKeyProvider(alice.address)).wait();
      await expect(router.revokeKeyProvider(alice.address))
        .to.emit(router, "KeyProviderRevoked")
        .withArgs(alice.address);
      expect(await router.isKeyProvider(alice.address)).to.equal(false);
      await expect(
        router.connect(alice).setRoutingDataBatch([keys[0].tokenId], [keys[0].publicKey], 2n),
      )
        .to.be.revertedWithCustomError(router, "NotKeyProvider")
        .withArgs(alice.address);
    });

    it("refuses to grant the key-provider role to the zero address", async function () {
      const { router } = await loadFixture(emptyRouterFixture);
      await expect(router.grantKeyProvider(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(router, "ZeroAddress")
        .withArgs();
    });

    it("refuses to let a non-owner grant or revoke the key-provider role", async function () {
      const { router, deployer, stranger } = await loadFixture(emptyRouterFixture);
      await expect(router.connect(stranger).grantKeyProvider(stranger.address))
        .to.be.revertedWithCustomError(router, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
      await expect(router.connect(stranger).revokeKeyProvider(deployer.address))
        .to.be.revertedWithCustomError(router, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
      expect(await router.isKeyProvider(deployer.address)).to.equal(true);
    });

    it("refuses setRoutingData, setRoutingDataBatch and withdrawUnmintedKeys from a stranger", async function () {
      const { router, stranger, keys } = await loadFixture(emptyRouterFixture);
      const k = keys[0];
      await expect(
        router
          .connect(stranger)
          .setRoutingData(k.tokenId, k.publicKey, STAKING, KEY_TYPE_ECDSA, DERIVED_KEY_ID),
      )
        .to.be.revertedWithCustomError(router, "NotKeyProvider")
        .withArgs(stranger.address);
      await expect(
        router.connect(stranger).setRoutingDataBatch([k.tokenId], [k.publicKey], KEY_TYPE_ECDSA),
      )
        .to.be.revertedWithCustomError(router, "NotKeyProvider")
        .withArgs(stranger.address);
      await registerKeys(router, [k]);
      await expect(router.connect(stranger).withdrawUnmintedKeys(KEY_TYPE_ECDSA, [k.tokenId]))
        .to.be.revertedWithCustomError(router, "NotKeyProvider")
        .withArgs(stranger.address);
      expect(await router.keyStatus(k.tokenId)).to.equal(KeyStatus.Unminted);
    });

    it("refuses takeNextUnmintedKey from anyone but the wired PKPNFT", async function () {
      const { router, deployer, stranger, keys } = await loadFixture(emptyRouterFixture);
      await registerKeys(router, keys.slice(0, 1));
      for (const caller of [deployer, stranger]) {
        await expect(router.connect(caller).takeNextUnmintedKey(KEY_TYPE_ECDSA))
          .to.be.revertedWithCustomError(router, "CallerNotPkpNft")
          .withArgs(caller.address);
      }
      expect(await router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(1n);
    });

    it("refuses takeNextUnmintedKey while no PKPNFT is wired", async function () {
      const { router, owner } = await loadFixture(unwiredRouterFixture);
      await expect(router.takeNextUnmintedKey(KEY_TYPE_ECDSA))
        .to.be.revertedWithCustomError(router, "CallerNotPkpNft")
        .withArgs(owner.address);
    });

    it("hands the wired PKPNFT the oldest key from takeNextUnmintedKey, then NoUnmintedKeys", async function () {
      const { router, alice, keys } = await loadFixture(unwiredRouterFixture);
      await (await router.setPkpNftAddress(alice.address)).wait();
      await registerKeys(router, keys.slice(0, 2));
      const asNft = router.connect(alice);
      for (const k of keys.slice(0, 2)) {
        const [tokenId, pubkey] = await asNft.takeNextUnmintedKey.staticCall(KEY_TYPE_ECDSA);
        expect([tokenId, pubkey]).to.deep.equal([k.tokenId, k.publicKey]);
        await (await asNft.takeNextUnmintedKey(KEY_TYPE_ECDSA)).wait();
        expect(await router.keyStatus(k.tokenId)).to.equal(KeyStatus.Minted);
      }
      await expect(asNft.takeNextUnmintedKey(KEY_TYPE_ECDSA))
        .to.be.revertedWithCustomError(router, "NoUnmintedKeys")
        .withArgs(KEY_TYPE_ECDSA);
    });
  });

  describe("setRoutingData", function () {
    it("registers a key and emits PubkeyRoutingDataSet with the given staking contract and derived key id", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      const k = keys[0];
      await expect(
        router.setRoutingData(k.tokenId, k.publicKey, STAKING, KEY_TYPE_ECDSA, DERIVED_KEY_ID),
      )
        .to.emit(router, "PubkeyRoutingDataSet")
        .withArgs(k.tokenId, k.publicKey, STAKING, KEY_TYPE_ECDSA, DERIVED_KEY_ID);
      expect(await router.isRouted(k.tokenId)).to.equal(true);
      expect(await router.keyStatus(k.tokenId)).to.equal(KeyStatus.Unminted);
      expect(await router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(1n);
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 10n)).to.deep.equal([k.tokenId]);
    });

    it("returns the derived key id from getRoutingData and pubkeys", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      const k = keys[0];
      await (
        await router.setRoutingData(k.tokenId, k.publicKey, STAKING, KEY_TYPE_ECDSA, DERIVED_KEY_ID)
      ).wait();
      const expected = [k.publicKey, KEY_TYPE_ECDSA, DERIVED_KEY_ID];
      expect(fields(await router.getRoutingData(k.tokenId))).to.deep.equal(expected);
      expect(fields(await router.pubkeys(k.tokenId))).to.deep.equal(expected);
    });

    it("returns a zero derived key id for a key registered with none", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      const k = keys[1];
      await (
        await router.setRoutingData(k.tokenId, k.publicKey, STAKING, 7n, ethers.ZeroHash)
      ).wait();
      expect(fields(await router.getRoutingData(k.tokenId))).to.deep.equal([
        k.publicKey,
        7n,
        ethers.ZeroHash,
      ]);
    });

    it("appends to the pool after the keys already in it", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      await registerKeys(router, keys.slice(0, 3));
      const k = keys[3];
      await (
        await router.setRoutingData(k.tokenId, k.publicKey, STAKING, KEY_TYPE_ECDSA, DERIVED_KEY_ID)
      ).wait();
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 10n)).to.deep.equal(
        idsOf(keys.slice(0, 4)),
      );
    });

    it("accepts the largest key type, 2^16 - 1", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      const k = keys[0];
      await expect(
        router.setRoutingData(k.tokenId, k.publicKey, STAKING, MAX_KEY_TYPE, ethers.ZeroHash),
      )
        .to.emit(router, "PubkeyRoutingDataSet")
        .withArgs(k.tokenId, k.publicKey, STAKING, MAX_KEY_TYPE, ethers.ZeroHash);
      expect((await router.getRoutingData(k.tokenId)).keyType).to.equal(MAX_KEY_TYPE);
      expect(await router.unmintedKeyCount(MAX_KEY_TYPE)).to.equal(1n);
    });

    it("accepts the in-range forms of the points used for the x >= p and y >= p refusals", async function () {
      const { router } = await loadFixture(emptyRouterFixture);
      for (const { x, y } of [POINT_WITH_SMALL_X, POINT_WITH_SMALL_Y]) {
        const pubkey = pubkeyFromXY(x, y);
        await (
          await router.setRoutingData(tokenIdOf(pubkey), pubkey, STAKING, 2n, ethers.ZeroHash)
        ).wait();
        expect(await router.getPubkey(tokenIdOf(pubkey))).to.equal(pubkey);
      }
    });
  });

  describe("setRoutingDataBatch", function () {
    it("registers the keys in order and emits PubkeyRoutingDataSet with a zero staking contract and derived key id", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      const batch = keys.slice(0, 4);
      const tx = await router.setRoutingDataBatch(
        idsOf(batch),
        batch.map((k) => k.publicKey),
        KEY_TYPE_ECDSA,
      );
      for (const k of batch) {
        await expect(tx)
          .to.emit(router, "PubkeyRoutingDataSet")
          .withArgs(k.tokenId, k.publicKey, ethers.ZeroAddress, KEY_TYPE_ECDSA, ethers.ZeroHash);
      }
      const receipt = await tx.wait();
      const emitted = receipt!.logs.map((log) => router.interface.parseLog(log));
      expect(emitted.map((e) => e?.name)).to.deep.equal(batch.map(() => "PubkeyRoutingDataSet"));
      expect(emitted.map((e) => e?.args.tokenId)).to.deep.equal(idsOf(batch));
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 10n)).to.deep.equal(idsOf(batch));
      for (const k of batch) {
        expect(fields(await router.getRoutingData(k.tokenId))).to.deep.equal([
          k.publicKey,
          KEY_TYPE_ECDSA,
          ethers.ZeroHash,
        ]);
      }
    });

    it("appends a second batch after the first", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      await registerKeys(router, keys.slice(0, 3));
      await registerKeys(router, keys.slice(3, 6));
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 10n)).to.deep.equal(
        idsOf(keys.slice(0, 6)),
      );
    });

    it("does nothing for an empty batch", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      await registerKeys(router, keys.slice(0, 2));
      await expect(router.setRoutingDataBatch([], [], KEY_TYPE_ECDSA)).not.to.emit(
        router,
        "PubkeyRoutingDataSet",
      );
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 10n)).to.deep.equal(
        idsOf(keys.slice(0, 2)),
      );
    });

    it("rejects token ids and public keys of different lengths", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      await expect(
        router.setRoutingDataBatch(idsOf(keys.slice(0, 2)), [keys[0].publicKey], KEY_TYPE_ECDSA),
      )
        .to.be.revertedWithCustomError(router, "ArrayLengthMismatch")
        .withArgs(2n, 1n);
      await expect(
        router.setRoutingDataBatch(
          [keys[0].tokenId],
          keys.slice(0, 3).map((k) => k.publicKey),
          KEY_TYPE_ECDSA,
        ),
      )
        .to.be.revertedWithCustomError(router, "ArrayLengthMismatch")
        .withArgs(1n, 3n);
    });

    it("reverts the whole batch when one key fails, leaving the pool unchanged", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      await registerKeys(router, keys.slice(0, 2));
      const bad = flipBit(keys[4].publicKey, 64);
      const batch = [keys[2], keys[3], { ...keys[4], tokenId: tokenIdOf(bad), publicKey: bad }];
      await expect(
        router.setRoutingDataBatch(
          idsOf(batch),
          batch.map((k) => k.publicKey),
          KEY_TYPE_ECDSA,
        ),
      )
        .to.be.revertedWithCustomError(router, "PubkeyNotOnCurve")
        .withArgs(tokenIdOf(bad));
      expect(await router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(2n);
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 10n)).to.deep.equal(
        idsOf(keys.slice(0, 2)),
      );
      for (const k of [keys[2], keys[3]]) {
        expect(await router.isRouted(k.tokenId)).to.equal(false);
      }
      // The good keys of the failed batch can still be registered afterwards.
      await registerKeys(router, [keys[2], keys[3]]);
      expect(await router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(4n);
    });

    it("rejects a batch that lists the same key twice", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      const batch = [keys[0], keys[1], keys[0]];
      await expect(
        router.setRoutingDataBatch(
          idsOf(batch),
          batch.map((k) => k.publicKey),
          KEY_TYPE_ECDSA,
        ),
      )
        .to.be.revertedWithCustomError(router, "AlreadyRouted")
        .withArgs(keys[0].tokenId);
      expect(await router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(0n);
    });
  });

  describe("refusals", function () {
    const [key, otherKey] = testKeys(2, "refusal");
    for (const refusal of refusalsFor(key, otherKey)) {
      it(`setRoutingData rejects ${refusal.behaviour} with ${refusal.error}`, async function () {
        const { router } = await loadFixture(emptyRouterFixture);
        await expect(
          router.setRoutingData(
            refusal.tokenId,
            refusal.pubkey,
            STAKING,
            refusal.keyType,
            DERIVED_KEY_ID,
          ),
        )
          .to.be.revertedWithCustomError(router, refusal.error)
          .withArgs(...refusal.args);
        expect(await router.isRouted(refusal.tokenId)).to.equal(false);
      });

      it(`setRoutingDataBatch rejects ${refusal.behaviour} with ${refusal.error}`, async function () {
        const { router } = await loadFixture(emptyRouterFixture);
        await expect(
          router.setRoutingDataBatch([refusal.tokenId], [refusal.pubkey], refusal.keyType),
        )
          .to.be.revertedWithCustomError(router, refusal.error)
          .withArgs(...refusal.args);
        expect(await router.unmintedKeyCount(refusal.keyType)).to.equal(0n);
      });
    }

    it("accepts the key of the refusal table when nothing is wrong with it (control)", async function () {
      const { router } = await loadFixture(emptyRouterFixture);
      await expect(
        router.setRoutingData(key.tokenId, key.publicKey, STAKING, KEY_TYPE_ECDSA, DERIVED_KEY_ID),
      ).to.emit(router, "PubkeyRoutingDataSet");
    });
  });

  describe("re-routing", function () {
    it("rejects a key that is already waiting in the pool", async function () {
      const { router, poolKeys } = await loadFixture(stackWithPoolFixture);
      const k = poolKeys[3];
      await expect(
        router.setRoutingData(k.tokenId, k.publicKey, STAKING, KEY_TYPE_ECDSA, DERIVED_KEY_ID),
      )
        .to.be.revertedWithCustomError(router, "AlreadyRouted")
        .withArgs(k.tokenId);
      await expect(router.setRoutingDataBatch([k.tokenId], [k.publicKey], KEY_TYPE_ECDSA))
        .to.be.revertedWithCustomError(router, "AlreadyRouted")
        .withArgs(k.tokenId);
      expect(await router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(8n);
    });

    it("rejects a key that is already routed under another key type", async function () {
      const { router, poolKeys } = await loadFixture(stackWithPoolFixture);
      const k = poolKeys[0];
      await expect(router.setRoutingDataBatch([k.tokenId], [k.publicKey], KEY_TYPE_BLS))
        .to.be.revertedWithCustomError(router, "AlreadyRouted")
        .withArgs(k.tokenId);
      expect(await router.unmintedKeyCount(KEY_TYPE_BLS)).to.equal(0n);
    });

    it("rejects a key whose PKP was minted", async function () {
      const stack = await loadFixture(stackWithPoolFixture);
      const { router, alice, poolKeys } = stack;
      const tokenId = await mintTo(stack, alice);
      expect(tokenId).to.equal(poolKeys[0].tokenId);
      await expect(router.setRoutingDataBatch([tokenId], [poolKeys[0].publicKey], KEY_TYPE_ECDSA))
        .to.be.revertedWithCustomError(router, "AlreadyRouted")
        .withArgs(tokenId);
    });

    it("rejects a key whose PKP was minted and burned", async function () {
      const stack = await loadFixture(stackWithPoolFixture);
      const { router, pkpNft, alice, poolKeys } = stack;
      const tokenId = await mintTo(stack, alice);
      await (await pkpNft.connect(alice).burn(tokenId)).wait();
      await expect(
        router.setRoutingData(
          tokenId,
          poolKeys[0].publicKey,
          STAKING,
          KEY_TYPE_ECDSA,
          DERIVED_KEY_ID,
        ),
      )
        .to.be.revertedWithCustomError(router, "AlreadyRouted")
        .withArgs(tokenId);
      expect(await router.keyStatus(tokenId)).to.equal(KeyStatus.Minted);
    });

    it("rejects a key that was withdrawn", async function () {
      const { router, poolKeys } = await loadFixture(stackWithPoolFixture);
      const k = poolKeys[5];
      await (await router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, [k.tokenId])).wait();
      await expect(router.setRoutingDataBatch([k.tokenId], [k.publicKey], KEY_TYPE_ECDSA))
        .to.be.revertedWithCustomError(router, "AlreadyRouted")
        .withArgs(k.tokenId);
      await expect(
        router.setRoutingData(k.tokenId, k.publicKey, STAKING, KEY_TYPE_BLS, DERIVED_KEY_ID),
      )
        .to.be.revertedWithCustomError(router, "AlreadyRouted")
        .withArgs(k.tokenId);
      expect(await router.keyStatus(k.tokenId)).to.equal(KeyStatus.Withdrawn);
    });
  });

  describe("views", function () {
    it("returns each key from getPubkey and its address from getEthAddress, for even and odd y", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      await registerKeys(router, keys);
      const parities = new Set(keys.map((k) => yIsOdd(k.publicKey)));
      expect([...parities].sort(), "the keys must include even-y and odd-y keys").to.deep.equal([
        false,
        true,
      ]);
      for (const k of keys) {
        expect(await router.getPubkey(k.tokenId)).to.equal(k.publicKey);
        expect(await router.getEthAddress(k.tokenId)).to.equal(ethers.computeAddress(k.publicKey));
      }
    });

    it("returns 0x from getPubkey and the zero address from getEthAddress for an unknown key", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      for (const tokenId of [0n, keys[0].tokenId, ethers.MaxUint256]) {
        expect(await router.getPubkey(tokenId)).to.equal("0x");
        expect(await router.getEthAddress(tokenId)).to.equal(ethers.ZeroAddress);
      }
    });

    it("returns empty routing data from getRoutingData and pubkeys for an unknown key", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      const empty = ["0x", 0n, ethers.ZeroHash];
      expect(fields(await router.getRoutingData(keys[0].tokenId))).to.deep.equal(empty);
      expect(fields(await router.pubkeys(keys[0].tokenId))).to.deep.equal(empty);
    });

    it("maps the address of an even-y key and of an odd-y key back to its token id", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      await registerKeys(router, keys);
      const even = keys.find((k) => !yIsOdd(k.publicKey));
      const odd = keys.find((k) => yIsOdd(k.publicKey));
      expect(even, "an even-y key").to.not.equal(undefined);
      expect(odd, "an odd-y key").to.not.equal(undefined);
      for (const k of [even!, odd!]) {
        expect(await router.ethAddressToPkpId(k.ethAddress)).to.equal(k.tokenId);
      }
      for (const k of keys) {
        expect(await router.ethAddressToPkpId(k.ethAddress)).to.equal(k.tokenId);
      }
    });

    it("returns 0 from ethAddressToPkpId for an unknown address and for the zero address", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      await registerKeys(router, keys.slice(0, 2));
      expect(await router.ethAddressToPkpId(keys[5].ethAddress)).to.equal(0n);
      expect(await router.ethAddressToPkpId(ethers.ZeroAddress)).to.equal(0n);
    });

    it("keeps answering ethAddressToPkpId after a key is minted, burned or withdrawn", async function () {
      const stack = await loadFixture(stackWithPoolFixture);
      const { router, pkpNft, alice, poolKeys } = stack;
      const minted = await mintTo(stack, alice);
      const burned = await mintTo(stack, alice);
      await (await pkpNft.connect(alice).burn(burned)).wait();
      await (await router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, [poolKeys[4].tokenId])).wait();
      for (const k of [poolKeys[0], poolKeys[1], poolKeys[4]]) {
        expect(await router.ethAddressToPkpId(k.ethAddress)).to.equal(k.tokenId);
        expect(await router.getPubkey(k.tokenId)).to.equal(k.publicKey);
      }
      expect([minted, burned]).to.deep.equal(idsOf(poolKeys.slice(0, 2)));
    });

    it("derives the same address as ethers.computeAddress in deriveEthAddressFromPubkey", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      const extra = pubkeyFromXY(POINT_WITH_SMALL_X.x, POINT_WITH_SMALL_X.y);
      for (const pubkey of [...keys.map((k) => k.publicKey), extra]) {
        expect(await router.deriveEthAddressFromPubkey(pubkey)).to.equal(
          ethers.computeAddress(pubkey),
        );
      }
    });

    it("refuses to derive an address from a key that is not 65 bytes or does not start with 0x04", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      const raw = keys[0].publicKey;
      const cases: Array<[string, string, unknown[]]> = [
        [ethers.dataSlice(raw, 1), "InvalidPubkeyLength", [64n]],
        [ethers.concat([raw, "0x01"]), "InvalidPubkeyLength", [66n]],
        [ethers.SigningKey.computePublicKey(raw, true), "InvalidPubkeyLength", [33n]],
        [withPrefix(raw, 0x02), "InvalidPubkeyPrefix", ["0x02"]],
        [withPrefix(raw, 0x03), "InvalidPubkeyPrefix", ["0x03"]],
        [withPrefix(raw, 0x00), "InvalidPubkeyPrefix", ["0x00"]],
      ];
      for (const [pubkey, error, args] of cases) {
        await expect(router.deriveEthAddressFromPubkey(pubkey))
          .to.be.revertedWithCustomError(router, error)
          .withArgs(...args);
      }
    });

    it("reports isRouted false before registration and true ever after", async function () {
      const stack = await loadFixture(stackWithPoolFixture);
      const { router, pkpNft, alice, poolKeys } = stack;
      expect(await router.isRouted(testKey(0, "never").tokenId)).to.equal(false);
      const tokenId = await mintTo(stack, alice);
      await (await pkpNft.connect(alice).burn(tokenId)).wait();
      await (await router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, [poolKeys[7].tokenId])).wait();
      for (const k of poolKeys) expect(await router.isRouted(k.tokenId)).to.equal(true);
    });

    it("walks keyStatus through Unrouted, Unminted, Minted (also after a burn) and Withdrawn", async function () {
      const { router, pkpNft, alice, keys } = await loadFixture(emptyRouterFixture);
      const [minted, withdrawn] = keys;
      expect(await router.keyStatus(minted.tokenId)).to.equal(KeyStatus.Unrouted);
      await registerKeys(router, [minted, withdrawn]);
      expect(await router.keyStatus(minted.tokenId)).to.equal(KeyStatus.Unminted);
      expect(await router.keyStatus(withdrawn.tokenId)).to.equal(KeyStatus.Unminted);
      await (await router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, [withdrawn.tokenId])).wait();
      expect(await router.keyStatus(withdrawn.tokenId)).to.equal(KeyStatus.Withdrawn);
      const tokenId = await mintNextAs(pkpNft, alice, KEY_TYPE_ECDSA);
      expect(tokenId).to.equal(minted.tokenId);
      expect(await router.keyStatus(minted.tokenId)).to.equal(KeyStatus.Minted);
      await (await pkpNft.connect(alice).burn(tokenId)).wait();
      expect(await router.keyStatus(minted.tokenId)).to.equal(KeyStatus.Minted);
      expect(await router.keyStatus(withdrawn.tokenId)).to.equal(KeyStatus.Withdrawn);
    });

    it("pages through the unminted keys with unmintedKeys(offset, limit)", async function () {
      const { router, poolKeys } = await loadFixture(stackWithPoolFixture);
      const all = idsOf(poolKeys);
      expect(await router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(8n);
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 3n)).to.deep.equal(all.slice(0, 3));
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 3n, 3n)).to.deep.equal(all.slice(3, 6));
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 6n, 3n)).to.deep.equal(all.slice(6, 8));
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 7n, 1n)).to.deep.equal(all.slice(7, 8));
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 8n, 3n)).to.deep.equal([]);
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 100n, 3n)).to.deep.equal([]);
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, ethers.MaxUint256, 3n)).to.deep.equal([]);
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 2n, 0n)).to.deep.equal([]);
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, ethers.MaxUint256)).to.deep.equal(all);
      expect(await router.unmintedKeys(KEY_TYPE_BLS, 0n, 10n)).to.deep.equal([]);
    });

    it("counts unmintedKeys offsets from the oldest key still unminted", async function () {
      const stack = await loadFixture(stackWithPoolFixture);
      const { router, alice, poolKeys } = stack;
      await mintTo(stack, alice);
      await mintTo(stack, alice);
      const rest = idsOf(poolKeys.slice(2));
      expect(await router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(6n);
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 2n)).to.deep.equal(rest.slice(0, 2));
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 4n, 10n)).to.deep.equal(rest.slice(4));
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 6n, 10n)).to.deep.equal([]);
    });

    it("round-trips keyRefOf through tokenIdOfKeyRef, with keyRef = keyType << 40 | position", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      await registerKeys(router, keys.slice(0, 5), KEY_TYPE_ECDSA);
      await registerKeys(router, keys.slice(5, 8), KEY_TYPE_BLS);
      const expectations: Array<[TestKey, bigint, bigint]> = [
        ...keys
          .slice(0, 5)
          .map((k, i): [TestKey, bigint, bigint] => [k, KEY_TYPE_ECDSA, BigInt(i)]),
        ...keys.slice(5, 8).map((k, i): [TestKey, bigint, bigint] => [k, KEY_TYPE_BLS, BigInt(i)]),
      ];
      for (const [k, keyType, position] of expectations) {
        const keyRef = await router.keyRefOf(k.tokenId);
        expect(keyRef).to.equal((keyType << 40n) | position);
        expect(await router.tokenIdOfKeyRef(keyRef)).to.equal(k.tokenId);
      }
    });

    it("keeps keyRefOf round-tripping after mints and burns", async function () {
      const stack = await loadFixture(stackWithPoolFixture);
      const { router, pkpNft, alice, poolKeys } = stack;
      const before = await Promise.all(poolKeys.map((k) => router.keyRefOf(k.tokenId)));
      const tokenId = await mintTo(stack, alice);
      await mintTo(stack, alice);
      await (await pkpNft.connect(alice).burn(tokenId)).wait();
      const after = await Promise.all(poolKeys.map((k) => router.keyRefOf(k.tokenId)));
      expect(after).to.deep.equal(before);
      for (const [i, k] of poolKeys.entries()) {
        expect(await router.tokenIdOfKeyRef(after[i])).to.equal(k.tokenId);
      }
    });

    it("uses the full 16-bit key type in the 56-bit key reference", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      await registerKeys(router, keys.slice(0, 2), MAX_KEY_TYPE);
      const keyRef = await router.keyRefOf(keys[1].tokenId);
      expect(keyRef).to.equal((MAX_KEY_TYPE << 40n) | 1n);
      expect(keyRef < 1n << 56n).to.equal(true);
      expect(await router.tokenIdOfKeyRef(keyRef)).to.equal(keys[1].tokenId);
    });

    it("rejects keyRefOf for a key that was never routed", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      await expect(router.keyRefOf(keys[0].tokenId))
        .to.be.revertedWithCustomError(router, "KeyNotRouted")
        .withArgs(keys[0].tokenId);
      await expect(router.keyRefOf(0n))
        .to.be.revertedWithCustomError(router, "KeyNotRouted")
        .withArgs(0n);
    });

    it("returns 0 from tokenIdOfKeyRef for a reference to no key", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      await registerKeys(router, keys.slice(0, 2));
      expect(await router.tokenIdOfKeyRef((KEY_TYPE_ECDSA << 40n) | 2n)).to.equal(0n);
      expect(await router.tokenIdOfKeyRef((KEY_TYPE_BLS << 40n) | 0n)).to.equal(0n);
    });
  });

  describe("pool capacity", function () {
    // A pool holds 2^39 positions (derived keys take the positions above). Registering that many
    // keys is out of reach in a test, so the pool's word is set to a tail just below the cap.
    // PubkeyRouter's storage: Ownable's owner (slot 0), then _pkpNft, _keyProviders, _keys,
    // _pubkeyXs, _derivedKeyIds, _derivedTokenIds, and _pools at slot 7.
    const POOLS_SLOT = 7n;
    const CAP = 2n ** 39n;
    const poolSlot = (keyType: bigint) =>
      ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [keyType, POOLS_SLOT]),
      );

    it("reads the pool word where the test expects it (head, tail, derived)", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      await registerKeys(router, keys.slice(0, 3), KEY_TYPE_ECDSA);
      const word = BigInt(
        await ethers.provider.getStorage(await router.getAddress(), poolSlot(KEY_TYPE_ECDSA)),
      );
      expect(word).to.equal(3n << 64n);
    });

    it("refuses registrations past 2^39 keys with PoolFull, in one key and in a batch", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      const address = await router.getAddress();
      await setStorageAt(address, poolSlot(KEY_TYPE_ECDSA), (CAP - 1n) << 64n);
      expect(await router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(CAP - 1n);
      await expect(
        router.setRoutingDataBatch(
          idsOf(keys.slice(0, 2)),
          keys.slice(0, 2).map((k) => k.publicKey),
          KEY_TYPE_ECDSA,
        ),
      )
        .to.be.revertedWithCustomError(router, "PoolFull")
        .withArgs(KEY_TYPE_ECDSA);
      await (
        await router.setRoutingData(
          keys[0].tokenId,
          keys[0].publicKey,
          STAKING,
          KEY_TYPE_ECDSA,
          ethers.ZeroHash,
        )
      ).wait();
      await expect(
        router.setRoutingData(
          keys[1].tokenId,
          keys[1].publicKey,
          STAKING,
          KEY_TYPE_ECDSA,
          ethers.ZeroHash,
        ),
      )
        .to.be.revertedWithCustomError(router, "PoolFull")
        .withArgs(KEY_TYPE_ECDSA);
      // The last pool position is taken; derived keys still route above it.
      expect(await router.keyRefOf(keys[0].tokenId)).to.equal((KEY_TYPE_ECDSA << 40n) | (CAP - 1n));
      await (
        await router.setDerivedRoutingData(ethers.id("derived"), keys[1].publicKey, KEY_TYPE_ECDSA)
      ).wait();
      expect(await router.keyRefOf(keys[1].tokenId)).to.equal((KEY_TYPE_ECDSA << 40n) | CAP);
    });
  });

  describe("key types", function () {
    it("keeps an independent FIFO pool per key type", async function () {
      const { router, pkpNft, alice, keys } = await loadFixture(emptyRouterFixture);
      const blsKeys = keys.slice(0, 3);
      const ecdsaKeys = keys.slice(3, 5);
      const otherKeys = keys.slice(5, 6);
      await registerKeys(router, blsKeys, KEY_TYPE_BLS);
      await registerKeys(router, ecdsaKeys, KEY_TYPE_ECDSA);
      await registerKeys(router, otherKeys, 0n);
      expect(await router.unmintedKeyCount(KEY_TYPE_BLS)).to.equal(3n);
      expect(await router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(2n);
      expect(await router.unmintedKeyCount(0n)).to.equal(1n);
      expect(await router.unmintedKeys(KEY_TYPE_BLS, 0n, 10n)).to.deep.equal(idsOf(blsKeys));
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 10n)).to.deep.equal(idsOf(ecdsaKeys));

      const order: Array<[bigint, TestKey]> = [
        [KEY_TYPE_ECDSA, ecdsaKeys[0]],
        [KEY_TYPE_BLS, blsKeys[0]],
        [KEY_TYPE_BLS, blsKeys[1]],
        [0n, otherKeys[0]],
        [KEY_TYPE_ECDSA, ecdsaKeys[1]],
      ];
      for (const [keyType, k] of order) {
        expect(await mintNextAs(pkpNft, alice, keyType)).to.equal(k.tokenId);
        expect((await router.getRoutingData(k.tokenId)).keyType).to.equal(keyType);
      }
      await expect(pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 1n }))
        .to.be.revertedWithCustomError(router, "NoUnmintedKeys")
        .withArgs(KEY_TYPE_ECDSA);
      expect(await router.unmintedKeyCount(KEY_TYPE_BLS)).to.equal(1n);
      expect(await mintNextAs(pkpNft, alice, KEY_TYPE_BLS)).to.equal(blsKeys[2].tokenId);
    });

    it("withdraws from one key type's pool without touching another's", async function () {
      const { router, keys } = await loadFixture(emptyRouterFixture);
      await registerKeys(router, keys.slice(0, 3), KEY_TYPE_BLS);
      await registerKeys(router, keys.slice(3, 6), KEY_TYPE_ECDSA);
      await (await router.withdrawUnmintedKeys(KEY_TYPE_BLS, [keys[0].tokenId])).wait();
      expect(await router.unmintedKeyCount(KEY_TYPE_BLS)).to.equal(2n);
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 10n)).to.deep.equal(
        idsOf(keys.slice(3, 6)),
      );
    });
  });

  describe("withdrawUnmintedKeys", function () {
    const positions: Array<[string, number]> = [
      ["head", 0],
      ["middle", 3],
      ["tail", 7],
    ];

    for (const [where, index] of positions) {
      it(`withdraws a key from the ${where} of the pool, emits UnmintedKeyWithdrawn, and mints then give exactly the other keys`, async function () {
        const { router, pkpNft, alice, poolKeys } = await loadFixture(stackWithPoolFixture);
        const withdrawn = poolKeys[index];
        await expect(router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, [withdrawn.tokenId]))
          .to.emit(router, "UnmintedKeyWithdrawn")
          .withArgs(withdrawn.tokenId, KEY_TYPE_ECDSA);
        const remaining = poolKeys.filter((_, i) => i !== index);
        expect(await router.keyStatus(withdrawn.tokenId)).to.equal(KeyStatus.Withdrawn);
        expect(await router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(7n);
        const listed = await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 100n);
        expect(sortedIds(listed)).to.deep.equal(sortedIds(idsOf(remaining)));

        const minted: bigint[] = [];
        for (let i = 0; i < remaining.length; i++) {
          const head = (await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 1n))[0];
          const tokenId = await mintNextAs(pkpNft, alice, KEY_TYPE_ECDSA);
          expect(tokenId, "a mint takes the key unmintedKeys lists first").to.equal(head);
          minted.push(tokenId);
        }
        expect(sortedIds(minted)).to.deep.equal(sortedIds(idsOf(remaining)));
        await expect(pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 1n }))
          .to.be.revertedWithCustomError(router, "NoUnmintedKeys")
          .withArgs(KEY_TYPE_ECDSA);
        expect(await router.keyStatus(withdrawn.tokenId)).to.equal(KeyStatus.Withdrawn);
        expect(await pkpNft.exists(withdrawn.tokenId)).to.equal(false);
      });
    }

    it("keeps FIFO order after withdrawing the head of the pool", async function () {
      const { router, pkpNft, alice, poolKeys } = await loadFixture(stackWithPoolFixture);
      await (await router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, [poolKeys[0].tokenId])).wait();
      const remaining = idsOf(poolKeys.slice(1));
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 100n)).to.deep.equal(remaining);
      const minted: bigint[] = [];
      for (let i = 0; i < remaining.length; i++) {
        minted.push(await mintNextAs(pkpNft, alice, KEY_TYPE_ECDSA));
      }
      expect(minted).to.deep.equal(remaining);
    });

    it("keeps FIFO order after withdrawing a key from the middle of the pool", async function () {
      const { router, pkpNft, alice, poolKeys } = await loadFixture(stackWithPoolFixture);
      await (await router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, [poolKeys[3].tokenId])).wait();
      const remaining = idsOf(poolKeys.filter((_, i) => i !== 3));
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 100n)).to.deep.equal(remaining);
      const minted: bigint[] = [];
      for (let i = 0; i < remaining.length; i++) {
        minted.push(await mintNextAs(pkpNft, alice, KEY_TYPE_ECDSA));
      }
      expect(minted).to.deep.equal(remaining);
    });

    it("keeps FIFO order after withdrawing the tail of the pool", async function () {
      const { router, pkpNft, alice, poolKeys } = await loadFixture(stackWithPoolFixture);
      await (await router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, [poolKeys[7].tokenId])).wait();
      const remaining = idsOf(poolKeys.slice(0, 7));
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 100n)).to.deep.equal(remaining);
      const minted: bigint[] = [];
      for (let i = 0; i < remaining.length; i++) {
        minted.push(await mintNextAs(pkpNft, alice, KEY_TYPE_ECDSA));
      }
      expect(minted).to.deep.equal(remaining);
    });

    it("keeps keyRefOf round-tripping and minted keys' references unchanged across withdrawals", async function () {
      const stack = await loadFixture(stackWithPoolFixture);
      const { router, alice, poolKeys } = stack;
      await mintTo(stack, alice);
      await mintTo(stack, alice);
      const mintedRefs = await Promise.all(
        poolKeys.slice(0, 2).map((k) => router.keyRefOf(k.tokenId)),
      );
      await (
        await router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, [
          poolKeys[5].tokenId,
          poolKeys[3].tokenId,
        ])
      ).wait();
      for (const [i, k] of poolKeys.slice(0, 2).entries()) {
        expect(await router.keyRefOf(k.tokenId)).to.equal(mintedRefs[i]);
      }
      for (const k of poolKeys) {
        expect(await router.tokenIdOfKeyRef(await router.keyRefOf(k.tokenId))).to.equal(k.tokenId);
      }
    });

    it("withdraws several keys in one call and emits UnmintedKeyWithdrawn for each", async function () {
      const { router, poolKeys } = await loadFixture(stackWithPoolFixture);
      const withdrawn = [poolKeys[6], poolKeys[2], poolKeys[0]];
      const tx = await router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, idsOf(withdrawn));
      for (const k of withdrawn) {
        await expect(tx)
          .to.emit(router, "UnmintedKeyWithdrawn")
          .withArgs(k.tokenId, KEY_TYPE_ECDSA);
      }
      expect(await router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(5n);
      const remaining = poolKeys.filter((k) => !withdrawn.includes(k));
      expect(sortedIds(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 100n))).to.deep.equal(
        sortedIds(idsOf(remaining)),
      );
      for (const k of withdrawn) {
        expect(await router.keyStatus(k.tokenId)).to.equal(KeyStatus.Withdrawn);
      }
    });

    it("never mints a withdrawn key, even when the pool is drained and refilled", async function () {
      const { router, pkpNft, alice, poolKeys } = await loadFixture(stackWithPoolFixture);
      const withdrawn = [poolKeys[1], poolKeys[4]];
      await (await router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, idsOf(withdrawn))).wait();
      const fresh = testKeys(2, "refill");
      await registerKeys(router, fresh);
      const minted: bigint[] = [];
      for (let i = 0; i < 8; i++) minted.push(await mintNextAs(pkpNft, alice, KEY_TYPE_ECDSA));
      for (const k of withdrawn) expect(minted).to.not.include(k.tokenId);
      expect(sortedIds(minted)).to.deep.equal(
        sortedIds([...idsOf(poolKeys.filter((k) => !withdrawn.includes(k))), ...idsOf(fresh)]),
      );
      await expect(pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 1n }))
        .to.be.revertedWithCustomError(router, "NoUnmintedKeys")
        .withArgs(KEY_TYPE_ECDSA);
    });

    it("rejects a key that was already minted with KeyNotInPool", async function () {
      const stack = await loadFixture(stackWithPoolFixture);
      const { router, alice } = stack;
      const tokenId = await mintTo(stack, alice);
      await expect(router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, [tokenId]))
        .to.be.revertedWithCustomError(router, "KeyNotInPool")
        .withArgs(tokenId, KEY_TYPE_ECDSA);
      expect(await router.keyStatus(tokenId)).to.equal(KeyStatus.Minted);
    });

    it("rejects an unknown key with KeyNotInPool", async function () {
      const { router } = await loadFixture(stackWithPoolFixture);
      const unknown = testKey(0, "unknown").tokenId;
      await expect(router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, [unknown]))
        .to.be.revertedWithCustomError(router, "KeyNotInPool")
        .withArgs(unknown, KEY_TYPE_ECDSA);
    });

    it("rejects a key of another key type with KeyNotInPool", async function () {
      const { router, poolKeys } = await loadFixture(stackWithPoolFixture);
      const k = poolKeys[2];
      await expect(router.withdrawUnmintedKeys(KEY_TYPE_BLS, [k.tokenId]))
        .to.be.revertedWithCustomError(router, "KeyNotInPool")
        .withArgs(k.tokenId, KEY_TYPE_BLS);
      expect(await router.keyStatus(k.tokenId)).to.equal(KeyStatus.Unminted);
    });

    it("rejects a key that was already withdrawn with KeyNotInPool", async function () {
      const { router, poolKeys } = await loadFixture(stackWithPoolFixture);
      const k = poolKeys[2];
      await (await router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, [k.tokenId])).wait();
      await expect(router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, [k.tokenId]))
        .to.be.revertedWithCustomError(router, "KeyNotInPool")
        .withArgs(k.tokenId, KEY_TYPE_ECDSA);
      expect(await router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(7n);
    });

    it("rejects a key listed twice in one call, withdrawing nothing", async function () {
      const { router, poolKeys } = await loadFixture(stackWithPoolFixture);
      const ids = [poolKeys[1].tokenId, poolKeys[5].tokenId, poolKeys[1].tokenId];
      await expect(router.withdrawUnmintedKeys(KEY_TYPE_ECDSA, ids))
        .to.be.revertedWithCustomError(router, "KeyNotInPool")
        .withArgs(poolKeys[1].tokenId, KEY_TYPE_ECDSA);
      expect(await router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(8n);
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 100n)).to.deep.equal(idsOf(poolKeys));
    });

    it("lets a granted key provider withdraw keys", async function () {
      const { router, bob, poolKeys } = await loadFixture(stackWithPoolFixture);
      await (await router.grantKeyProvider(bob.address)).wait();
      await expect(router.connect(bob).withdrawUnmintedKeys(KEY_TYPE_ECDSA, [poolKeys[0].tokenId]))
        .to.emit(router, "UnmintedKeyWithdrawn")
        .withArgs(poolKeys[0].tokenId, KEY_TYPE_ECDSA);
    });

    it("rejects a withdrawal by an account that is not a key provider", async function () {
      const { router, stranger, poolKeys } = await loadFixture(stackWithPoolFixture);
      await expect(
        router.connect(stranger).withdrawUnmintedKeys(KEY_TYPE_ECDSA, [poolKeys[0].tokenId]),
      )
        .to.be.revertedWithCustomError(router, "NotKeyProvider")
        .withArgs(stranger.address);
      expect(await router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(8n);
    });
  });
});
