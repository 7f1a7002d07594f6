import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  ERC721ReceiverMock,
  ERC721ReceiverMock__factory,
  NonReceiverMock,
  NonReceiverMock__factory,
  PKPNFT,
  PKPNFT__factory,
} from "../typechain-types";
import { KEY_TYPE_ECDSA, Stack, mintTo, stackWithPoolFixture } from "./helpers/stack";
import { testKey } from "./helpers/keys";
import { KeyStatus, idsOf, sortedIds } from "./helpers/routerHelpers";

const MAX_UINT96 = 2n ** 96n - 1n;

const INTERFACE_IDS = {
  ERC165: "0x01ffc9a7",
  ERC721: "0x80ac58cd",
  ERC721Metadata: "0x5b5e139f",
  ERC721Enumerable: "0x780e9d63",
} as const;

type NftFixture = Stack & { receiver: ERC721ReceiverMock; nonReceiver: NonReceiverMock };

/** The stack with 8 ECDSA keys in the pool, plus an ERC-721 receiver and a non-receiver. */
async function nftFixture(): Promise<NftFixture> {
  const stack = await stackWithPoolFixture();
  const receiver = await new ERC721ReceiverMock__factory(stack.deployer).deploy();
  const nonReceiver = await new NonReceiverMock__factory(stack.deployer).deploy();
  await receiver.waitForDeployment();
  await nonReceiver.waitForDeployment();
  return { ...stack, receiver, nonReceiver };
}

/** A PKPNFT deployed on its own against the stack's router and renderer, not wired to anything. */
async function unwiredNftFixture() {
  const stack = await stackWithPoolFixture();
  const nft = await new PKPNFT__factory(stack.deployer).deploy(
    stack.deployer.address,
    await stack.router.getAddress(),
    await stack.metadata.getAddress(),
  );
  await nft.waitForDeployment();
  return { ...stack, nft };
}

/**
 * Checks every enumeration view against the expected owners: totalSupply, tokenByIndex at every
 * index (each token exactly once), balanceOf and tokenOfOwnerByIndex at every index of every
 * owner, and the out-of-bounds errors one past the end.
 */
async function expectEnumerationConsistent(
  pkpNft: PKPNFT,
  owners: Map<bigint, string>,
  accounts: readonly HardhatEthersSigner[],
): Promise<void> {
  const total = await pkpNft.totalSupply();
  expect(total).to.equal(BigInt(owners.size));
  const all: bigint[] = [];
  for (let i = 0n; i < total; i++) all.push(await pkpNft.tokenByIndex(i));
  expect(sortedIds(all)).to.deep.equal(sortedIds([...owners.keys()]));
  await expect(pkpNft.tokenByIndex(total))
    .to.be.revertedWithCustomError(pkpNft, "ERC721OutOfBoundsIndex")
    .withArgs(ethers.ZeroAddress, total);
  for (const account of accounts) {
    const expected = [...owners].filter(([, o]) => o === account.address).map(([id]) => id);
    const balance = await pkpNft.balanceOf(account.address);
    expect(balance, `balance of ${account.address}`).to.equal(BigInt(expected.length));
    const owned: bigint[] = [];
    for (let i = 0n; i < balance; i++) {
      owned.push(await pkpNft.tokenOfOwnerByIndex(account.address, i));
    }
    expect(sortedIds(owned)).to.deep.equal(sortedIds(expected));
    await expect(pkpNft.tokenOfOwnerByIndex(account.address, balance))
      .to.be.revertedWithCustomError(pkpNft, "ERC721OutOfBoundsIndex")
      .withArgs(account.address, balance);
  }
  for (const [tokenId, owner] of owners) {
    expect(await pkpNft.ownerOf(tokenId)).to.equal(owner);
  }
}

/**
 * OpenZeppelin 5's ERC721Enumerable bookkeeping (append on add, swap-and-pop on remove), as a
 * model of the order the enumeration views must return.
 */
class EnumerationModel {
  readonly all: bigint[] = [];
  readonly byOwner = new Map<string, bigint[]>();

  mint(to: string, tokenId: bigint): void {
    this.all.push(tokenId);
    this.list(to).push(tokenId);
  }

  transfer(from: string, to: string, tokenId: bigint): void {
    if (from === to) throw new Error("the model does not cover transfers to oneself");
    EnumerationModel.swapAndPop(this.list(from), tokenId);
    this.list(to).push(tokenId);
  }

  burn(owner: string, tokenId: bigint): void {
    EnumerationModel.swapAndPop(this.list(owner), tokenId);
    EnumerationModel.swapAndPop(this.all, tokenId);
  }

  list(owner: string): bigint[] {
    let tokens = this.byOwner.get(owner);
    if (!tokens) {
      tokens = [];
      this.byOwner.set(owner, tokens);
    }
    return tokens;
  }

  private static swapAndPop(list: bigint[], tokenId: bigint): void {
    const index = list.indexOf(tokenId);
    if (index < 0) throw new Error(`model: ${tokenId} not in list`);
    list[index] = list[list.length - 1];
    list.pop();
  }
}

async function enumeratedTokens(pkpNft: PKPNFT): Promise<bigint[]> {
  const total = await pkpNft.totalSupply();
  const ids: bigint[] = [];
  for (let i = 0n; i < total; i++) ids.push(await pkpNft.tokenByIndex(i));
  return ids;
}

async function enumeratedTokensOf(pkpNft: PKPNFT, owner: string): Promise<bigint[]> {
  const balance = await pkpNft.balanceOf(owner);
  const ids: bigint[] = [];
  for (let i = 0n; i < balance; i++) ids.push(await pkpNft.tokenOfOwnerByIndex(owner, i));
  return ids;
}

describe("PKPNFT", function () {
  describe("deployment", function () {
    it('is named "Programmable Keypair" with symbol "PKP"', async function () {
      const { pkpNft } = await loadFixture(nftFixture);
      expect(await pkpNft.name()).to.equal("Programmable Keypair");
      expect(await pkpNft.symbol()).to.equal("PKP");
    });

    it("costs 1 wei to mint after deployment and emits MintCostSet(1)", async function () {
      const { nft } = await loadFixture(unwiredNftFixture);
      expect(await nft.mintCost()).to.equal(1n);
      await expect(nft.deploymentTransaction()).to.emit(nft, "MintCostSet").withArgs(1n);
    });

    it("returns its router, permissions and metadata addresses", async function () {
      const { pkpNft, router, permissions, metadata } = await loadFixture(nftFixture);
      expect(await pkpNft.getRouterAddress()).to.equal(await router.getAddress());
      expect(await pkpNft.getPkpPermissionsAddress()).to.equal(await permissions.getAddress());
      expect(await pkpNft.getPkpNftMetadataAddress()).to.equal(await metadata.getAddress());
    });

    it("refuses a zero router or a zero metadata address", async function () {
      const { deployer, router, metadata } = await loadFixture(nftFixture);
      const factory = new PKPNFT__factory(deployer);
      await expect(
        factory.deploy(deployer.address, ethers.ZeroAddress, await metadata.getAddress()),
      ).to.be.revertedWithCustomError(factory, "ZeroAddress");
      await expect(
        factory.deploy(deployer.address, await router.getAddress(), ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(factory, "ZeroAddress");
    });

    it("supports the ERC-165, ERC-721, ERC-721 Metadata and ERC-721 Enumerable interfaces", async function () {
      const { pkpNft } = await loadFixture(nftFixture);
      for (const [name, id] of Object.entries(INTERFACE_IDS)) {
        expect(await pkpNft.supportsInterface(id), name).to.equal(true);
      }
    });

    it("does not claim other interfaces, nor the invalid id 0xffffffff", async function () {
      const { pkpNft } = await loadFixture(nftFixture);
      for (const id of ["0xffffffff", "0x00000000", "0x150b7a02", "0x12345678"]) {
        expect(await pkpNft.supportsInterface(id), id).to.equal(false);
      }
    });
  });

  describe("mintNext", function () {
    it("mints the oldest unminted keys in FIFO order to the caller", async function () {
      const { pkpNft, alice, bob, poolKeys } = await loadFixture(nftFixture);
      const minters = [alice, bob, alice];
      for (const [i, minter] of minters.entries()) {
        const tokenId = await pkpNft.connect(minter).mintNext.staticCall(KEY_TYPE_ECDSA, {
          value: 1n,
        });
        expect(tokenId).to.equal(poolKeys[i].tokenId);
        await expect(pkpNft.connect(minter).mintNext(KEY_TYPE_ECDSA, { value: 1n }))
          .to.emit(pkpNft, "Transfer")
          .withArgs(ethers.ZeroAddress, minter.address, poolKeys[i].tokenId);
        expect(await pkpNft.ownerOf(tokenId)).to.equal(minter.address);
      }
      expect(await pkpNft.balanceOf(alice.address)).to.equal(2n);
      expect(await pkpNft.balanceOf(bob.address)).to.equal(1n);
    });

    it("emits PKPMinted with the token id and its public key", async function () {
      const { pkpNft, alice, poolKeys } = await loadFixture(nftFixture);
      await expect(pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 1n }))
        .to.emit(pkpNft, "PKPMinted")
        .withArgs(poolKeys[0].tokenId, poolKeys[0].publicKey);
    });

    it("puts PKPMinted (token id in topics[1]) first in the receipt, then Transfer(0 → minter)", async function () {
      const { pkpNft, alice, poolKeys } = await loadFixture(nftFixture);
      const receipt = await (
        await pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 1n })
      ).wait();
      const logs = receipt!.logs;
      expect(logs).to.have.length(2);
      const nftAddress = await pkpNft.getAddress();
      const tokenTopic = ethers.toBeHex(poolKeys[0].tokenId, 32);
      expect(logs[0].address).to.equal(nftAddress);
      expect(logs[0].topics[0]).to.equal(pkpNft.interface.getEvent("PKPMinted").topicHash);
      expect(logs[0].topics[1]).to.equal(tokenTopic);
      expect(BigInt(logs[0].topics[1])).to.equal(poolKeys[0].tokenId);
      expect(logs[1].address).to.equal(nftAddress);
      expect(logs[1].topics).to.deep.equal([
        pkpNft.interface.getEvent("Transfer").topicHash,
        ethers.zeroPadValue(ethers.ZeroAddress, 32),
        ethers.zeroPadValue(alice.address, 32).toLowerCase(),
        tokenTopic,
      ]);
    });

    it("returns the key from getPubkey and its address from getEthAddress right after the mint", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, poolKeys } = stack;
      const tokenId = await mintTo(stack, alice);
      expect(await pkpNft.getPubkey(tokenId)).to.equal(poolKeys[0].publicKey);
      expect(await pkpNft.getPubkey(tokenId)).to.not.equal("0x");
      expect(await pkpNft.getEthAddress(tokenId)).to.equal(
        ethers.computeAddress(poolKeys[0].publicKey),
      );
    });

    it("returns 0x and the zero address for a key that was never routed", async function () {
      const { pkpNft } = await loadFixture(nftFixture);
      const unknown = testKey(0, "unknown").tokenId;
      expect(await pkpNft.getPubkey(unknown)).to.equal("0x");
      expect(await pkpNft.getEthAddress(unknown)).to.equal(ethers.ZeroAddress);
    });

    it("keeps the payment in the contract", async function () {
      const { pkpNft, alice } = await loadFixture(nftFixture);
      await (await pkpNft.setMintCost(1000n)).wait();
      await expect(
        pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 1000n }),
      ).to.changeEtherBalances([alice, pkpNft], [-1000n, 1000n]);
    });

    it("rejects a payment below or above the mint cost with IncorrectMintPayment", async function () {
      const { pkpNft, router, alice } = await loadFixture(nftFixture);
      await expect(pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 0n }))
        .to.be.revertedWithCustomError(pkpNft, "IncorrectMintPayment")
        .withArgs(0n, 1n);
      await expect(pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 2n }))
        .to.be.revertedWithCustomError(pkpNft, "IncorrectMintPayment")
        .withArgs(2n, 1n);
      await (await pkpNft.setMintCost(1000n)).wait();
      await expect(pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 999n }))
        .to.be.revertedWithCustomError(pkpNft, "IncorrectMintPayment")
        .withArgs(999n, 1000n);
      await expect(pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 1001n }))
        .to.be.revertedWithCustomError(pkpNft, "IncorrectMintPayment")
        .withArgs(1001n, 1000n);
      expect(await router.unmintedKeyCount(KEY_TYPE_ECDSA)).to.equal(8n);
      expect(await pkpNft.totalSupply()).to.equal(0n);
    });

    it("mints for free at a mint cost of 0, and then rejects any payment", async function () {
      const { pkpNft, alice, poolKeys } = await loadFixture(nftFixture);
      await (await pkpNft.setMintCost(0n)).wait();
      await expect(pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 1n }))
        .to.be.revertedWithCustomError(pkpNft, "IncorrectMintPayment")
        .withArgs(1n, 0n);
      await expect(pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA))
        .to.emit(pkpNft, "PKPMinted")
        .withArgs(poolKeys[0].tokenId, poolKeys[0].publicKey);
    });

    it("rejects a mint from an empty pool with the router's NoUnmintedKeys", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, router, alice } = stack;
      for (let i = 0; i < 8; i++) await mintTo(stack, alice);
      await expect(pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 1n }))
        .to.be.revertedWithCustomError(router, "NoUnmintedKeys")
        .withArgs(KEY_TYPE_ECDSA);
      await expect(pkpNft.connect(alice).mintNext(7n, { value: 1n }))
        .to.be.revertedWithCustomError(router, "NoUnmintedKeys")
        .withArgs(7n);
    });

    it("mints to a contract that accepts ERC-721 tokens, calling onERC721Received", async function () {
      const { pkpNft, receiver, alice, poolKeys } = await loadFixture(nftFixture);
      const tokenId = poolKeys[0].tokenId;
      await expect(
        receiver.connect(alice).mintNext(await pkpNft.getAddress(), KEY_TYPE_ECDSA, { value: 1n }),
      )
        .to.emit(receiver, "Received")
        .withArgs(await receiver.getAddress(), ethers.ZeroAddress, tokenId, "0x");
      expect(await pkpNft.ownerOf(tokenId)).to.equal(await receiver.getAddress());
    });

    it("rejects a mint to a contract that does not accept ERC-721 tokens, leaving the pool unchanged", async function () {
      const { pkpNft, router, nonReceiver, alice, poolKeys } = await loadFixture(nftFixture);
      await expect(
        nonReceiver
          .connect(alice)
          .mintNext(await pkpNft.getAddress(), KEY_TYPE_ECDSA, { value: 1n }),
      )
        .to.be.revertedWithCustomError(pkpNft, "ERC721InvalidReceiver")
        .withArgs(await nonReceiver.getAddress());
      expect(await router.unmintedKeys(KEY_TYPE_ECDSA, 0n, 1n)).to.deep.equal([
        poolKeys[0].tokenId,
      ]);
      expect(await router.keyStatus(poolKeys[0].tokenId)).to.equal(KeyStatus.Unminted);
    });
  });

  describe("existence", function () {
    it("reports exists, ownerOrZero and presentOwnerOfPkp for unknown, unminted, minted, transferred and burned PKPs", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, bob, poolKeys } = stack;
      const owners = async (tokenId: bigint) => [
        await pkpNft.ownerOrZero(tokenId),
        await pkpNft.presentOwnerOfPkp(tokenId),
      ];
      const unknown = testKey(0, "unknown").tokenId;
      for (const tokenId of [unknown, poolKeys[0].tokenId, 0n]) {
        expect(await pkpNft.exists(tokenId)).to.equal(false);
        expect(await owners(tokenId)).to.deep.equal([ethers.ZeroAddress, ethers.ZeroAddress]);
      }
      const tokenId = await mintTo(stack, alice);
      expect(await pkpNft.exists(tokenId)).to.equal(true);
      expect(await owners(tokenId)).to.deep.equal([alice.address, alice.address]);
      await (await pkpNft.connect(alice).transferFrom(alice.address, bob.address, tokenId)).wait();
      expect(await owners(tokenId)).to.deep.equal([bob.address, bob.address]);
      await (await pkpNft.connect(bob).burn(tokenId)).wait();
      expect(await pkpNft.exists(tokenId)).to.equal(false);
      expect(await owners(tokenId)).to.deep.equal([ethers.ZeroAddress, ethers.ZeroAddress]);
    });

    it("dispatches presentOwnerOfPkp first: its selector is the smallest of PKPNFT's", async function () {
      const { pkpNft } = await loadFixture(nftFixture);
      const selectors: string[] = [];
      pkpNft.interface.forEachFunction((f) => selectors.push(f.selector));
      selectors.sort();
      expect(selectors[0]).to.equal(pkpNft.interface.getFunction("presentOwnerOfPkp").selector);
    });

    it("rejects ownerOf for a PKP that was never minted or was burned", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, poolKeys } = stack;
      await expect(pkpNft.ownerOf(poolKeys[1].tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721NonexistentToken")
        .withArgs(poolKeys[1].tokenId);
      const tokenId = await mintTo(stack, alice);
      await (await pkpNft.connect(alice).burn(tokenId)).wait();
      await expect(pkpNft.ownerOf(tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721NonexistentToken")
        .withArgs(tokenId);
    });

    it("keeps returning the public key and address of a burned PKP", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, poolKeys } = stack;
      const tokenId = await mintTo(stack, alice);
      await (await pkpNft.connect(alice).burn(tokenId)).wait();
      expect(await pkpNft.getPubkey(tokenId)).to.equal(poolKeys[0].publicKey);
      expect(await pkpNft.getEthAddress(tokenId)).to.equal(poolKeys[0].ethAddress);
    });

    it("rejects balanceOf the zero address", async function () {
      const { pkpNft } = await loadFixture(nftFixture);
      await expect(pkpNft.balanceOf(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(pkpNft, "ERC721InvalidOwner")
        .withArgs(ethers.ZeroAddress);
    });

    it("never mints a burned id again, and the router refuses to re-route it", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, router, alice, poolKeys } = stack;
      const burned = await mintTo(stack, alice);
      await (await pkpNft.connect(alice).burn(burned)).wait();
      await expect(router.setRoutingDataBatch([burned], [poolKeys[0].publicKey], KEY_TYPE_ECDSA))
        .to.be.revertedWithCustomError(router, "AlreadyRouted")
        .withArgs(burned);
      const minted: bigint[] = [];
      for (let i = 0; i < 7; i++) minted.push(await mintTo(stack, alice));
      expect(minted).to.not.include(burned);
      expect(minted).to.deep.equal(idsOf(poolKeys.slice(1)));
      await expect(pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 1n }))
        .to.be.revertedWithCustomError(router, "NoUnmintedKeys")
        .withArgs(KEY_TYPE_ECDSA);
      expect(await pkpNft.exists(burned)).to.equal(false);
    });
  });

  describe("transfers", function () {
    it("transfers a PKP with transferFrom, emitting Transfer and moving the balance", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, bob } = stack;
      const tokenId = await mintTo(stack, alice);
      await expect(pkpNft.connect(alice).transferFrom(alice.address, bob.address, tokenId))
        .to.emit(pkpNft, "Transfer")
        .withArgs(alice.address, bob.address, tokenId);
      expect(await pkpNft.ownerOf(tokenId)).to.equal(bob.address);
      expect(await pkpNft.balanceOf(alice.address)).to.equal(0n);
      expect(await pkpNft.balanceOf(bob.address)).to.equal(1n);
    });

    it("rejects a transfer to the zero address", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice } = stack;
      const tokenId = await mintTo(stack, alice);
      await expect(pkpNft.connect(alice).transferFrom(alice.address, ethers.ZeroAddress, tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
    });

    it("rejects a transfer whose from is not the owner", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, bob, carol } = stack;
      const tokenId = await mintTo(stack, alice);
      await expect(pkpNft.connect(alice).transferFrom(bob.address, carol.address, tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721IncorrectOwner")
        .withArgs(bob.address, tokenId, alice.address);
    });

    it("rejects a transfer by a stranger", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, stranger } = stack;
      const tokenId = await mintTo(stack, alice);
      await expect(pkpNft.connect(stranger).transferFrom(alice.address, stranger.address, tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721InsufficientApproval")
        .withArgs(stranger.address, tokenId);
    });

    it("rejects a transfer of a PKP that does not exist", async function () {
      const { pkpNft, alice, bob, poolKeys } = await loadFixture(nftFixture);
      const tokenId = poolKeys[0].tokenId;
      await expect(pkpNft.connect(alice).transferFrom(alice.address, bob.address, tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721NonexistentToken")
        .withArgs(tokenId);
    });

    it("transfers to an EOA with both safeTransferFrom overloads", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, bob } = stack;
      const first = await mintTo(stack, alice);
      const second = await mintTo(stack, alice);
      await expect(
        pkpNft
          .connect(alice)
          ["safeTransferFrom(address,address,uint256)"](alice.address, bob.address, first),
      )
        .to.emit(pkpNft, "Transfer")
        .withArgs(alice.address, bob.address, first);
      await expect(
        pkpNft
          .connect(alice)
          ["safeTransferFrom(address,address,uint256,bytes)"](
            alice.address,
            bob.address,
            second,
            "0x1234",
          ),
      )
        .to.emit(pkpNft, "Transfer")
        .withArgs(alice.address, bob.address, second);
      expect(await pkpNft.balanceOf(bob.address)).to.equal(2n);
    });

    it("safe-transfers to a receiver contract, passing operator, from, token id and data", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, receiver, alice, bob } = stack;
      const first = await mintTo(stack, alice);
      const second = await mintTo(stack, alice);
      const to = await receiver.getAddress();
      await expect(
        pkpNft
          .connect(alice)
          ["safeTransferFrom(address,address,uint256)"](alice.address, to, first),
      )
        .to.emit(receiver, "Received")
        .withArgs(alice.address, alice.address, first, "0x");
      await (await pkpNft.connect(alice).setApprovalForAll(bob.address, true)).wait();
      await expect(
        pkpNft
          .connect(bob)
          ["safeTransferFrom(address,address,uint256,bytes)"](
            alice.address,
            to,
            second,
            "0xc0ffee",
          ),
      )
        .to.emit(receiver, "Received")
        .withArgs(bob.address, alice.address, second, "0xc0ffee");
      expect(await pkpNft.balanceOf(to)).to.equal(2n);
    });

    it("rejects a safe transfer to a contract that does not accept ERC-721 tokens", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, nonReceiver, alice } = stack;
      const tokenId = await mintTo(stack, alice);
      const to = await nonReceiver.getAddress();
      await expect(
        pkpNft
          .connect(alice)
          ["safeTransferFrom(address,address,uint256)"](alice.address, to, tokenId),
      )
        .to.be.revertedWithCustomError(pkpNft, "ERC721InvalidReceiver")
        .withArgs(to);
      await expect(
        pkpNft
          .connect(alice)
          ["safeTransferFrom(address,address,uint256,bytes)"](alice.address, to, tokenId, "0x01"),
      )
        .to.be.revertedWithCustomError(pkpNft, "ERC721InvalidReceiver")
        .withArgs(to);
      expect(await pkpNft.ownerOf(tokenId)).to.equal(alice.address);
    });

    it("lets transferFrom (unsafe) deliver to a contract that does not accept ERC-721 tokens", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, nonReceiver, alice } = stack;
      const tokenId = await mintTo(stack, alice);
      const to = await nonReceiver.getAddress();
      await (await pkpNft.connect(alice).transferFrom(alice.address, to, tokenId)).wait();
      expect(await pkpNft.ownerOf(tokenId)).to.equal(to);
    });

    it("keeps balance, ownership and enumeration consistent across a transfer to oneself", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, bob } = stack;
      const ids = [
        await mintTo(stack, alice),
        await mintTo(stack, alice),
        await mintTo(stack, alice),
      ];
      await expect(pkpNft.connect(alice).transferFrom(alice.address, alice.address, ids[0]))
        .to.emit(pkpNft, "Transfer")
        .withArgs(alice.address, alice.address, ids[0]);
      const owners = new Map(ids.map((id) => [id, alice.address]));
      await expectEnumerationConsistent(pkpNft, owners, [alice, bob]);
    });
  });

  describe("approvals", function () {
    it("lets the owner approve an address, emitting Approval, and the approved address transfer", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, bob, carol } = stack;
      const tokenId = await mintTo(stack, alice);
      expect(await pkpNft.getApproved(tokenId)).to.equal(ethers.ZeroAddress);
      await expect(pkpNft.connect(alice).approve(bob.address, tokenId))
        .to.emit(pkpNft, "Approval")
        .withArgs(alice.address, bob.address, tokenId);
      expect(await pkpNft.getApproved(tokenId)).to.equal(bob.address);
      await expect(pkpNft.connect(bob).transferFrom(alice.address, carol.address, tokenId))
        .to.emit(pkpNft, "Transfer")
        .withArgs(alice.address, carol.address, tokenId);
      expect(await pkpNft.ownerOf(tokenId)).to.equal(carol.address);
    });

    it("clears the approval on transfer", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, bob, carol } = stack;
      const tokenId = await mintTo(stack, alice);
      await (await pkpNft.connect(alice).approve(bob.address, tokenId)).wait();
      await (
        await pkpNft.connect(alice).transferFrom(alice.address, carol.address, tokenId)
      ).wait();
      expect(await pkpNft.getApproved(tokenId)).to.equal(ethers.ZeroAddress);
      await expect(pkpNft.connect(bob).transferFrom(carol.address, bob.address, tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721InsufficientApproval")
        .withArgs(bob.address, tokenId);
    });

    it("clears an approval when the owner approves the zero address", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, bob } = stack;
      const tokenId = await mintTo(stack, alice);
      await (await pkpNft.connect(alice).approve(bob.address, tokenId)).wait();
      await expect(pkpNft.connect(alice).approve(ethers.ZeroAddress, tokenId))
        .to.emit(pkpNft, "Approval")
        .withArgs(alice.address, ethers.ZeroAddress, tokenId);
      expect(await pkpNft.getApproved(tokenId)).to.equal(ethers.ZeroAddress);
      await expect(pkpNft.connect(bob).transferFrom(alice.address, bob.address, tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721InsufficientApproval")
        .withArgs(bob.address, tokenId);
    });

    it("rejects approve by a stranger and by the approved address with ERC721InvalidApprover", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, bob, stranger } = stack;
      const tokenId = await mintTo(stack, alice);
      await expect(pkpNft.connect(stranger).approve(stranger.address, tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721InvalidApprover")
        .withArgs(stranger.address);
      await (await pkpNft.connect(alice).approve(bob.address, tokenId)).wait();
      await expect(pkpNft.connect(bob).approve(stranger.address, tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721InvalidApprover")
        .withArgs(bob.address);
      expect(await pkpNft.getApproved(tokenId)).to.equal(bob.address);
    });

    it("rejects approve and getApproved for a PKP that does not exist", async function () {
      const { pkpNft, alice, bob, poolKeys } = await loadFixture(nftFixture);
      const tokenId = poolKeys[0].tokenId;
      await expect(pkpNft.connect(alice).approve(bob.address, tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721NonexistentToken")
        .withArgs(tokenId);
      await expect(pkpNft.getApproved(tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721NonexistentToken")
        .withArgs(tokenId);
    });

    it("lets the owner set an operator, emitting ApprovalForAll, and the operator transfer and approve", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, bob, carol } = stack;
      const first = await mintTo(stack, alice);
      const second = await mintTo(stack, alice);
      expect(await pkpNft.isApprovedForAll(alice.address, bob.address)).to.equal(false);
      await expect(pkpNft.connect(alice).setApprovalForAll(bob.address, true))
        .to.emit(pkpNft, "ApprovalForAll")
        .withArgs(alice.address, bob.address, true);
      expect(await pkpNft.isApprovedForAll(alice.address, bob.address)).to.equal(true);
      await (await pkpNft.connect(bob).transferFrom(alice.address, carol.address, first)).wait();
      expect(await pkpNft.ownerOf(first)).to.equal(carol.address);
      await expect(pkpNft.connect(bob).approve(carol.address, second))
        .to.emit(pkpNft, "Approval")
        .withArgs(alice.address, carol.address, second);
      expect(await pkpNft.getApproved(second)).to.equal(carol.address);
    });

    it("stops an operator once the approval for all is revoked", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, bob } = stack;
      const tokenId = await mintTo(stack, alice);
      await (await pkpNft.connect(alice).setApprovalForAll(bob.address, true)).wait();
      await expect(pkpNft.connect(alice).setApprovalForAll(bob.address, false))
        .to.emit(pkpNft, "ApprovalForAll")
        .withArgs(alice.address, bob.address, false);
      expect(await pkpNft.isApprovedForAll(alice.address, bob.address)).to.equal(false);
      await expect(pkpNft.connect(bob).transferFrom(alice.address, bob.address, tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721InsufficientApproval")
        .withArgs(bob.address, tokenId);
    });

    it("does not let an operator of the previous owner move a transferred PKP", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, bob, carol } = stack;
      const tokenId = await mintTo(stack, alice);
      await (await pkpNft.connect(alice).setApprovalForAll(bob.address, true)).wait();
      await (
        await pkpNft.connect(alice).transferFrom(alice.address, carol.address, tokenId)
      ).wait();
      await expect(pkpNft.connect(bob).transferFrom(carol.address, bob.address, tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721InsufficientApproval")
        .withArgs(bob.address, tokenId);
    });

    it("rejects the zero address as operator", async function () {
      const { pkpNft, alice } = await loadFixture(nftFixture);
      await expect(pkpNft.connect(alice).setApprovalForAll(ethers.ZeroAddress, true))
        .to.be.revertedWithCustomError(pkpNft, "ERC721InvalidOperator")
        .withArgs(ethers.ZeroAddress);
    });
  });

  describe("burn", function () {
    const burners = ["owner", "approved address", "operator"] as const;
    for (const burner of burners) {
      it(`lets the ${burner} burn a PKP, emitting Transfer to the zero address`, async function () {
        const stack = await loadFixture(nftFixture);
        const { pkpNft, alice, bob } = stack;
        const tokenId = await mintTo(stack, alice);
        let caller = alice;
        if (burner === "approved address") {
          await (await pkpNft.connect(alice).approve(bob.address, tokenId)).wait();
          caller = bob;
        } else if (burner === "operator") {
          await (await pkpNft.connect(alice).setApprovalForAll(bob.address, true)).wait();
          caller = bob;
        }
        await expect(pkpNft.connect(caller).burn(tokenId))
          .to.emit(pkpNft, "Transfer")
          .withArgs(alice.address, ethers.ZeroAddress, tokenId);
        expect(await pkpNft.exists(tokenId)).to.equal(false);
        expect(await pkpNft.balanceOf(alice.address)).to.equal(0n);
        expect(await pkpNft.totalSupply()).to.equal(0n);
      });
    }

    it("rejects a burn by a stranger", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, stranger } = stack;
      const tokenId = await mintTo(stack, alice);
      await expect(pkpNft.connect(stranger).burn(tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721InsufficientApproval")
        .withArgs(stranger.address, tokenId);
      expect(await pkpNft.ownerOf(tokenId)).to.equal(alice.address);
    });

    it("rejects burning a PKP that does not exist or was already burned", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, poolKeys } = stack;
      await expect(pkpNft.connect(alice).burn(poolKeys[3].tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721NonexistentToken")
        .withArgs(poolKeys[3].tokenId);
      const tokenId = await mintTo(stack, alice);
      await (await pkpNft.connect(alice).burn(tokenId)).wait();
      await expect(pkpNft.connect(alice).burn(tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721NonexistentToken")
        .withArgs(tokenId);
    });

    it("drops the approval of a burned PKP", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, bob } = stack;
      const tokenId = await mintTo(stack, alice);
      await (await pkpNft.connect(alice).approve(bob.address, tokenId)).wait();
      await (await pkpNft.connect(alice).burn(tokenId)).wait();
      await expect(pkpNft.getApproved(tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721NonexistentToken")
        .withArgs(tokenId);
    });
  });

  describe("enumeration", function () {
    it("starts empty and rejects index 0 with ERC721OutOfBoundsIndex", async function () {
      const { pkpNft, alice } = await loadFixture(nftFixture);
      expect(await pkpNft.totalSupply()).to.equal(0n);
      await expect(pkpNft.tokenByIndex(0n))
        .to.be.revertedWithCustomError(pkpNft, "ERC721OutOfBoundsIndex")
        .withArgs(ethers.ZeroAddress, 0n);
      await expect(pkpNft.tokenOfOwnerByIndex(alice.address, 0n))
        .to.be.revertedWithCustomError(pkpNft, "ERC721OutOfBoundsIndex")
        .withArgs(alice.address, 0n);
    });

    it("stays consistent at every index across interleaved mints, transfers and burns", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, bob, carol } = stack;
      const accounts = [alice, bob, carol];
      const owners = new Map<bigint, string>();
      const check = () => expectEnumerationConsistent(pkpNft, owners, accounts);

      const mint = async (to: HardhatEthersSigner) => {
        const tokenId = await mintTo(stack, to);
        owners.set(tokenId, to.address);
        await check();
        return tokenId;
      };
      const transfer = async (from: HardhatEthersSigner, to: HardhatEthersSigner, id: bigint) => {
        await (await pkpNft.connect(from).transferFrom(from.address, to.address, id)).wait();
        owners.set(id, to.address);
        await check();
      };
      const burn = async (owner: HardhatEthersSigner, id: bigint) => {
        await (await pkpNft.connect(owner).burn(id)).wait();
        owners.delete(id);
        await check();
      };

      const a1 = await mint(alice);
      const a2 = await mint(alice);
      const b1 = await mint(bob);
      const a3 = await mint(alice);
      await transfer(alice, bob, a1);
      await burn(alice, a3);
      const c1 = await mint(carol);
      await transfer(bob, carol, b1);
      await burn(alice, a2);
      await transfer(carol, alice, c1);
      await burn(bob, a1);
      await mint(bob);
      await burn(carol, b1);
      await burn(alice, c1);
      await mint(alice);
      expect(await pkpNft.totalSupply()).to.equal(2n);
    });

    it("orders tokenByIndex and tokenOfOwnerByIndex like OpenZeppelin's ERC721Enumerable", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, bob } = stack;
      const model = new EnumerationModel();
      const ids: bigint[] = [];
      for (const to of [alice, alice, bob, alice, bob, alice]) {
        const id = await mintTo(stack, to);
        ids.push(id);
        model.mint(to.address, id);
      }
      const steps: Array<() => Promise<void>> = [
        async () => {
          await (
            await pkpNft.connect(alice).transferFrom(alice.address, bob.address, ids[0])
          ).wait();
          model.transfer(alice.address, bob.address, ids[0]);
        },
        async () => {
          await (await pkpNft.connect(bob).burn(ids[2])).wait();
          model.burn(bob.address, ids[2]);
        },
        async () => {
          await (await pkpNft.connect(alice).burn(ids[5])).wait();
          model.burn(alice.address, ids[5]);
        },
        async () => {
          await (await pkpNft.connect(bob).transferFrom(bob.address, alice.address, ids[4])).wait();
          model.transfer(bob.address, alice.address, ids[4]);
        },
      ];
      for (const step of steps) {
        await step();
        expect(await enumeratedTokens(pkpNft)).to.deep.equal(model.all);
        for (const owner of [alice, bob]) {
          expect(await enumeratedTokensOf(pkpNft, owner.address)).to.deep.equal(
            model.list(owner.address),
          );
        }
      }
    });
  });

  describe("administration", function () {
    it("lets the owner set the mint cost, emitting MintCostSet", async function () {
      const { pkpNft } = await loadFixture(nftFixture);
      await expect(pkpNft.setMintCost(12345n)).to.emit(pkpNft, "MintCostSet").withArgs(12345n);
      expect(await pkpNft.mintCost()).to.equal(12345n);
      await expect(pkpNft.setMintCost(MAX_UINT96))
        .to.emit(pkpNft, "MintCostSet")
        .withArgs(MAX_UINT96);
      expect(await pkpNft.mintCost()).to.equal(MAX_UINT96);
    });

    it("rejects a mint cost above 2^96 - 1 with MintCostTooHigh", async function () {
      const { pkpNft } = await loadFixture(nftFixture);
      await expect(pkpNft.setMintCost(MAX_UINT96 + 1n))
        .to.be.revertedWithCustomError(pkpNft, "MintCostTooHigh")
        .withArgs(MAX_UINT96 + 1n, MAX_UINT96);
      await expect(pkpNft.setMintCost(ethers.MaxUint256))
        .to.be.revertedWithCustomError(pkpNft, "MintCostTooHigh")
        .withArgs(ethers.MaxUint256, MAX_UINT96);
      expect(await pkpNft.mintCost()).to.equal(1n);
    });

    it("rejects setMintCost from a non-owner", async function () {
      const { pkpNft, stranger } = await loadFixture(nftFixture);
      await expect(pkpNft.connect(stranger).setMintCost(0n))
        .to.be.revertedWithCustomError(pkpNft, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
    });

    it("sends the whole balance to the owner on withdraw, emitting Withdrew(amount)", async function () {
      const { pkpNft, deployer, alice, bob } = await loadFixture(nftFixture);
      await (await pkpNft.setMintCost(10n ** 15n)).wait();
      await (await pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 10n ** 15n })).wait();
      await (await pkpNft.connect(bob).mintNext(KEY_TYPE_ECDSA, { value: 10n ** 15n })).wait();
      const balance = 2n * 10n ** 15n;
      expect(await ethers.provider.getBalance(await pkpNft.getAddress())).to.equal(balance);
      const tx = pkpNft.withdraw();
      await expect(tx).to.changeEtherBalances([pkpNft, deployer], [-balance, balance]);
      await expect(tx).to.emit(pkpNft, "Withdrew").withArgs(balance);
      expect(await ethers.provider.getBalance(await pkpNft.getAddress())).to.equal(0n);
    });

    it("emits Withdrew(0) when there is nothing to withdraw", async function () {
      const { pkpNft } = await loadFixture(nftFixture);
      await expect(pkpNft.withdraw()).to.emit(pkpNft, "Withdrew").withArgs(0n);
    });

    it("sends the balance to the new owner after an ownership transfer", async function () {
      const { pkpNft, deployer, alice, carol } = await loadFixture(nftFixture);
      await (await pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 1n })).wait();
      await (await pkpNft.transferOwnership(carol.address)).wait();
      await expect(pkpNft.withdraw())
        .to.be.revertedWithCustomError(pkpNft, "OwnableUnauthorizedAccount")
        .withArgs(deployer.address);
      await expect(pkpNft.connect(carol).withdraw()).to.changeEtherBalances(
        [pkpNft, carol],
        [-1n, 1n],
      );
    });

    it("rejects withdraw from a non-owner", async function () {
      const { pkpNft, alice, stranger } = await loadFixture(nftFixture);
      await (await pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 1n })).wait();
      await expect(pkpNft.connect(stranger).withdraw())
        .to.be.revertedWithCustomError(pkpNft, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
      expect(await ethers.provider.getBalance(await pkpNft.getAddress())).to.equal(1n);
    });

    it("wires the PKPPermissions address once, emitting PkpPermissionsAddressSet", async function () {
      const { nft, permissions } = await loadFixture(unwiredNftFixture);
      expect(await nft.getPkpPermissionsAddress()).to.equal(ethers.ZeroAddress);
      const address = await permissions.getAddress();
      await expect(nft.setPkpPermissionsAddress(address))
        .to.emit(nft, "PkpPermissionsAddressSet")
        .withArgs(address);
      expect(await nft.getPkpPermissionsAddress()).to.equal(address);
    });

    it("refuses to wire the PKPPermissions address a second time", async function () {
      const { pkpNft, permissions, alice } = await loadFixture(nftFixture);
      await expect(pkpNft.setPkpPermissionsAddress(alice.address))
        .to.be.revertedWithCustomError(pkpNft, "PkpPermissionsAlreadySet")
        .withArgs(await permissions.getAddress());
    });

    it("refuses the zero address as PKPPermissions", async function () {
      const { nft } = await loadFixture(unwiredNftFixture);
      await expect(nft.setPkpPermissionsAddress(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(nft, "ZeroAddress")
        .withArgs();
    });

    it("refuses setPkpPermissionsAddress from a non-owner", async function () {
      const { nft, stranger } = await loadFixture(unwiredNftFixture);
      await expect(nft.connect(stranger).setPkpPermissionsAddress(stranger.address))
        .to.be.revertedWithCustomError(nft, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
      expect(await nft.getPkpPermissionsAddress()).to.equal(ethers.ZeroAddress);
    });
  });

  describe("tokenURI", function () {
    it("reverts for a PKP that was never routed, is unminted, or was burned", async function () {
      const stack = await loadFixture(nftFixture);
      const { pkpNft, alice, poolKeys } = stack;
      const unknown = testKey(0, "unknown").tokenId;
      for (const tokenId of [unknown, poolKeys[1].tokenId]) {
        await expect(pkpNft.tokenURI(tokenId))
          .to.be.revertedWithCustomError(pkpNft, "ERC721NonexistentToken")
          .withArgs(tokenId);
      }
      const tokenId = await mintTo(stack, alice);
      expect(await pkpNft.tokenURI(tokenId)).to.match(/^data:application\/json;base64,/);
      await (await pkpNft.connect(alice).burn(tokenId)).wait();
      await expect(pkpNft.tokenURI(tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721NonexistentToken")
        .withArgs(tokenId);
    });
  });
});
