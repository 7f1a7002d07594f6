import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ChainReader } from "../../src/oracle/chainView";
import { OracleError } from "../../src/oracle/errors";
import { expectRejection } from "../helpers/expectRejection";
import { stackWithPoolFixture, mintTo, oracleContracts } from "../helpers/stack";

/** JSON-RPC calls as the ChainReader makes them: counted, and held back while `gate` is set. */
class CountingProvider {
  readonly calls: Array<{ method: string; params: unknown[] }> = [];
  /** Pending calls held back until released, in order sent. */
  readonly held: Array<() => void> = [];
  gate = false;
  failNext: string | undefined;

  send = async (method: string, params: unknown[]): Promise<unknown> => {
    this.calls.push({ method, params });
    if (this.failNext === method) {
      this.failNext = undefined;
      throw new Error("connection refused");
    }
    if (this.gate) await new Promise<void>((resolve) => this.held.push(resolve));
    return ethers.provider.send(method, params);
  };

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  /** Lets the oldest held call go on. */
  releaseOne(): void {
    this.held.shift()?.();
  }
}

describe("ChainReader", () => {
  async function chainReaderFixture() {
    const stack = await stackWithPoolFixture();
    const tokenId = await mintTo(stack, stack.alice);
    const contracts = oracleContracts(stack);
    const permitBob = async () =>
      (
        await stack.permissions
          .connect(stack.alice)
          .addPermittedAddress(tokenId, stack.bob.address, [1n])
      ).wait();
    return { stack, tokenId, contracts, permitBob };
  }

  /** The fixture's chain, and a fresh counting provider (the fixture's objects are shared). */
  async function setup() {
    const fixture = await loadFixture(chainReaderFixture);
    const provider = new CountingProvider();
    const reader = (maxCachedReads?: number) =>
      new ChainReader(fixture.contracts, provider as unknown as typeof ethers.provider, {
        maxCachedReads,
      });
    return { ...fixture, provider, reader };
  }

  /** Lets queued promise callbacks run (no timers involved). */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

  describe("pinning", () => {
    it("pins the latest block by number and hash", async function () {
      const { provider, reader } = await setup();
      const view = await reader().pin();
      const latest = await ethers.provider.getBlock("latest");
      expect(view.blockNumber).to.equal(latest?.number);
      expect(view.blockHash).to.equal(latest?.hash);
      expect(provider.count("eth_getBlockByNumber")).to.equal(1);
    });

    it("lets concurrent pins share one call, never one sent before they arrived", async function () {
      const { stack, provider, reader } = await setup();
      const chain = reader();
      provider.gate = true;
      const first = chain.pin(); // sent at once
      await settle();
      expect(provider.count("eth_getBlockByNumber")).to.equal(1);
      // A block is mined while the first call is in flight: later pins must not get the old one.
      await (await stack.deployer.sendTransaction({ to: stack.bob.address, value: 1n })).wait();
      const later = Array.from({ length: 9 }, () => chain.pin());
      await settle();
      expect(provider.count("eth_getBlockByNumber"), "they wait for the next call").to.equal(1);
      provider.releaseOne();
      await first;
      await settle();
      expect(provider.count("eth_getBlockByNumber"), "one call for all nine").to.equal(2);
      provider.releaseOne();
      const views = await Promise.all(later);
      const latest = await ethers.provider.getBlockNumber();
      for (const view of views) expect(view.blockNumber).to.equal(latest);
      expect(chain.stats().pins).to.equal(2);
    });

    it("starts a new call for a pin that arrives after the last one returned", async function () {
      const { provider, reader } = await setup();
      const chain = reader();
      await chain.pin();
      await chain.pin();
      expect(provider.count("eth_getBlockByNumber")).to.equal(2);
    });

    it("refuses with CHAIN_UNAVAILABLE when the chain cannot be reached, and retries next time", async function () {
      const { provider, reader } = await setup();
      const chain = reader();
      provider.failNext = "eth_getBlockByNumber";
      await expectRejection(chain.pin(), OracleError, "CHAIN_UNAVAILABLE");
      const view = await chain.pin();
      expect(view.blockNumber).to.equal(await ethers.provider.getBlockNumber());
    });
  });

  describe("the read cache", () => {
    it("answers the same read at the same block once from the chain, then from the cache", async function () {
      const { tokenId, provider, reader } = await setup();
      const chain = reader();
      const view = await chain.pin();
      const again = await chain.pin(); // same block, another execution
      expect(await view.isRouted(tokenId)).to.equal(true);
      expect(await again.isRouted(tokenId)).to.equal(true);
      expect(await view.ownerOf(tokenId)).to.not.equal(null);
      expect(provider.count("eth_call")).to.equal(2); // isRouted once, ownerOrZero once
    });

    it("shares one eth_call between identical reads in flight", async function () {
      const { tokenId, provider, reader } = await setup();
      const view = await reader().pin();
      const answers = await Promise.all([view.isRouted(tokenId), view.isRouted(tokenId)]);
      expect(answers).to.deep.equal([true, true]);
      expect(provider.count("eth_call")).to.equal(1);
    });

    it("never answers a read at a newer block from an older block's entry", async function () {
      const { stack, tokenId, provider, reader, permitBob } = await setup();
      const chain = reader();
      const before = await chain.pin();
      expect(await before.isPermittedAddress(tokenId, stack.bob.address)).to.equal(false);
      await permitBob();
      const after = await chain.pin();
      expect(after.blockNumber).to.be.greaterThan(before.blockNumber);
      expect(await after.isPermittedAddress(tokenId, stack.bob.address)).to.equal(true);
      // The older view still answers for its own block.
      expect(await before.isPermittedAddress(tokenId, stack.bob.address)).to.equal(false);
      expect(provider.count("eth_call")).to.equal(2);
    });

    it("keys entries by block hash: a reverted chain's block of the same number is another block", async function () {
      const { stack, tokenId, reader, permitBob } = await setup();
      const chain = reader();
      const snapshot = (await network.provider.send("evm_snapshot", [])) as string;
      await permitBob();
      const granted = await chain.pin();
      expect(await granted.isPermittedAddress(tokenId, stack.bob.address)).to.equal(true);
      await network.provider.send("evm_revert", [snapshot]);
      await network.provider.send("evm_mine", []); // the same height again, without the grant
      const reverted = await chain.pin();
      expect(reverted.blockNumber).to.equal(granted.blockNumber);
      expect(reverted.blockHash).to.not.equal(granted.blockHash);
      expect(await reverted.isPermittedAddress(tokenId, stack.bob.address)).to.equal(false);
    });

    it("keeps at most maxCachedReads answers, evicting the least recently used", async function () {
      const { stack, tokenId, provider, reader } = await setup();
      const chain = reader(2);
      const view = await chain.pin();
      await view.isRouted(tokenId);
      await view.ownerOf(tokenId);
      await view.isRouted(tokenId); // now the most recently used
      await view.isPermittedAddress(tokenId, stack.bob.address); // evicts ownerOf
      expect(chain.stats().cachedReads).to.equal(2);
      expect(provider.count("eth_call")).to.equal(3);
      await view.isRouted(tokenId);
      expect(provider.count("eth_call"), "isRouted was kept").to.equal(3);
      await view.ownerOf(tokenId);
      expect(provider.count("eth_call"), "ownerOf was evicted").to.equal(4);
      expect(chain.stats().cachedReads).to.equal(2);
    });

    it("does not keep failures: a read that could not reach the chain is asked again", async function () {
      const { tokenId, provider, reader } = await setup();
      const view = await reader().pin();
      provider.failNext = "eth_call";
      await expectRejection(view.isRouted(tokenId), OracleError, "CHAIN_UNAVAILABLE");
      expect(await view.isRouted(tokenId)).to.equal(true);
      expect(provider.count("eth_call")).to.equal(2);
    });
  });
});
