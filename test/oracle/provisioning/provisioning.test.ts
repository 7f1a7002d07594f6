import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { FileKeystore, MemoryKeystore, type Keystore } from "../../../src/oracle/keystore";
import {
  InvalidProvisioningOptionsError,
  KeyProvisioner,
  type KeyProvisionerOptions,
  NoSignerError,
  NotKeyProviderError,
  type ProvisioningEvent,
} from "../../../src/oracle/provisioning";
import { expectRejection, expectThrow } from "../../helpers/expectRejection";
import { testKeys } from "../../helpers/keys";
import { KeyStatus } from "../../helpers/routerHelpers";
import { deployStack, mintNextAs, registerKeys } from "../../helpers/stack";
import { makeTempDir } from "../../helpers/tempDir";

const FAST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

/** Resolves once `condition` holds, checking every 10 ms; a failing check fails the test. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("KeyProvisioner", () => {
  /** Chain state only: keystores are per test, since a fixture's objects survive its snapshots. */
  async function stackFixture() {
    return deployStack();
  }

  async function setup() {
    const stack = await loadFixture(stackFixture);
    const keystore = new MemoryKeystore();
    const events: ProvisioningEvent[] = [];
    const make = (options: Partial<KeyProvisionerOptions> = {}) =>
      new KeyProvisioner({
        router: stack.router,
        keystore,
        batchSize: 4,
        onEvent: (e) => events.push(e),
        ...options,
      });
    /** Every key of the pool, oldest first. */
    const pool = () => stack.router.unmintedKeys(2n, 0n, 1000n);
    return { stack, keystore, events, make, pool, provisioner: make() };
  }

  const kinds = (events: ProvisioningEvent[]) => events.map((e) => e.kind);

  describe("topUp", () => {
    it("fills an empty pool to the default target of 10 in batches, every key held", async () => {
      const { provisioner, keystore, events, pool } = await setup();
      const report = await provisioner.topUp();
      expect(report.unminted).to.equal(10);
      expect(report.added).to.have.length(10);
      expect(await pool()).to.deep.equal(report.added);
      for (const id of report.added) expect(keystore.has(id)).to.equal(true);
      const registered = events.filter((e) => e.kind === "registered");
      expect(registered.map((e) => (e.tokenIds as bigint[]).length)).to.deep.equal([4, 4, 2]);
    });

    it("generates every key of a batch before sending it to the chain", async () => {
      const { provisioner, events } = await setup();
      await provisioner.topUp();
      const order = kinds(events).filter((k) => k === "generated" || k === "registered");
      expect(order).to.deep.equal([
        "generated",
        "registered",
        "generated",
        "registered",
        "generated",
        "registered",
      ]);
      const generated = events.filter((e) => e.kind === "generated");
      const registered = events.filter((e) => e.kind === "registered");
      expect(registered.map((e) => e.tokenIds)).to.deep.equal(generated.map((e) => e.tokenIds));
    });

    it("adds only what minting took out of the pool", async () => {
      const { provisioner, keystore, stack } = await setup();
      await provisioner.topUp();
      const minted = [
        await mintNextAs(stack.pkpNft, stack.alice),
        await mintNextAs(stack.pkpNft, stack.bob),
        await mintNextAs(stack.pkpNft, stack.alice),
      ];
      for (const id of minted) expect(keystore.has(id)).to.equal(true);
      expect(await stack.router.unmintedKeyCount(2n)).to.equal(7n);
      const report = await provisioner.topUp();
      expect(report.added).to.have.length(3);
      expect(report.unminted).to.equal(10);
      expect(keystore.list()).to.have.length(13);
    });

    it("does nothing when the pool is already at target", async () => {
      const { make } = await setup();
      await make({ target: 3 }).topUp();
      const report = await make({ target: 3 }).topUp();
      expect(report).to.deep.equal({ added: [], unminted: 3 });
    });

    it("serialises concurrent top-ups: the pool ends at target, not beyond", async () => {
      const { provisioner, keystore } = await setup();
      const reports = await Promise.all([provisioner.topUp(), provisioner.topUp()]);
      expect(reports[0].added).to.have.length(10);
      expect(reports[1].added).to.have.length(0);
      expect(keystore.list()).to.have.length(10);
    });
  });

  describe("reconcile", () => {
    it("withdraws unminted keys another keystore registered, reports them, and no minter gets one", async () => {
      const { provisioner, keystore, stack, events, pool } = await setup();
      const foreign = testKeys(3, "another oracle");
      await registerKeys(stack.router, foreign);
      await provisioner.topUp(); // pool: 3 foreign + 7 ours
      const report = await provisioner.reconcile();
      const foreignIds = foreign.map((k) => k.tokenId);
      expect(report.withdrawn).to.deep.equal(foreignIds);
      expect(report.registered).to.deep.equal([]);
      expect(report.unminted).to.equal(7);
      for (const id of foreignIds) {
        expect(await stack.router.keyStatus(id)).to.equal(KeyStatus.Withdrawn);
      }
      const withdrawnEvent = events.find((e) => e.kind === "withdrawn");
      expect(withdrawnEvent?.tokenIds).to.deep.equal(foreignIds);
      expect(events.find((e) => e.kind === "foreign-keys")?.tokenIds).to.deep.equal(foreignIds);

      await provisioner.topUp();
      for (let i = 0; i < 10; i++) {
        const tokenId = await mintNextAs(stack.pkpNft, i % 2 === 0 ? stack.alice : stack.bob);
        expect(keystore.has(tokenId), `minted ${tokenId}`).to.equal(true);
      }
      expect(await pool()).to.deep.equal([]);
    });

    it("withdraws a key the keystore holds but retired", async () => {
      const { provisioner, keystore, stack } = await setup();
      const { added } = await provisioner.topUp();
      await keystore.retire(added[2]);
      const report = await provisioner.reconcile();
      expect(report.withdrawn).to.deep.equal([added[2]]);
      expect(await stack.router.keyStatus(added[2])).to.equal(KeyStatus.Withdrawn);
    });

    it("registers keys held but never routed (a crash after the durable write) instead of new ones", async () => {
      const { stack, events } = await setup();
      const dir = await makeTempDir("pkp-provisioning-");
      try {
        const open = () =>
          FileKeystore.open({ dir: dir.path, passphrase: "pw", scrypt: FAST_SCRYPT });
        const first = await open();
        const options = {
          router: stack.router,
          target: 4,
          onEvent: (e: ProvisioningEvent) => events.push(e),
        };
        await new KeyProvisioner({ ...options, keystore: first }).topUp();
        // Simulated crash: two keys durably written, the process dies before registering them.
        const orphans = [await first.generate(), await first.generate()].map((k) => k.tokenId);

        const restarted = await open();
        const provisioner = new KeyProvisioner({ ...options, keystore: restarted, target: 6 });
        const report = await provisioner.reconcile();
        expect(report.registered).to.deep.equal(orphans);
        expect(report.unminted).to.equal(6);
        expect(events.find((e) => e.kind === "orphans-found")?.tokenIds).to.deep.equal(orphans);
        expect((await provisioner.topUp()).added).to.deep.equal([]);
        expect(restarted.list()).to.have.length(6);
        for (const k of restarted.list()) {
          expect(await stack.router.keyStatus(k.tokenId)).to.equal(KeyStatus.Unminted);
        }
      } finally {
        await dir.remove();
      }
    });

    it("leaves alone an unrouted key older than routed ones (another deployment's) and says so", async () => {
      const { make, keystore, events, stack } = await setup();
      const old = await keystore.generate();
      await new Promise((resolve) => setTimeout(resolve, 5)); // a strictly later createdAt
      const provisioner = make({ target: 2 });
      await provisioner.topUp();
      const report = await provisioner.reconcile();
      expect(report.registered).to.deep.equal([]);
      expect(await stack.router.keyStatus(old.tokenId)).to.equal(KeyStatus.Unrouted);
      expect(events.find((e) => e.kind === "unrouted-key-skipped")?.tokenIds).to.deep.equal([
        old.tokenId,
      ]);
    });

    it("drops a key the chain refuses as already routed instead of retrying it", async () => {
      const { make, keystore, stack, events } = await setup();
      const orphan = await keystore.generate();
      // Its "earlier transaction" lands between the status read and the registration.
      const racingRouter = new Proxy(stack.router, {
        get(target, property) {
          const value: unknown = Reflect.get(target, property);
          if (property === "keyStatus") {
            return async (tokenId: bigint) => {
              const status = await target.keyStatus(tokenId);
              await target.setRoutingDataBatch([orphan.tokenId], [orphan.publicKey], 2n);
              return status;
            };
          }
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const report = await make({ router: racingRouter, target: 0 }).reconcile();
      expect(report.registered).to.deep.equal([]);
      expect(report.unminted).to.equal(1);
      expect(events.find((e) => e.kind === "already-routed")?.tokenId).to.equal(orphan.tokenId);
    });

    it("retires a held key that another provider withdrew, so it never signs", async () => {
      const { provisioner, keystore, stack } = await setup();
      const { added } = await provisioner.topUp();
      await stack.router.withdrawUnmintedKeys(2n, [added[0]]);
      await provisioner.reconcile();
      expect(keystore.get(added[0])?.retiredAt).to.be.a("string");
    });
  });

  describe("start / stop", () => {
    it("reconciles and tops up at start, then refills the pool as PKPs are minted", async () => {
      const { make, stack, events, keystore } = await setup();
      const provisioner = make({ pollIntervalMs: 20 });
      await provisioner.start();
      try {
        expect(kinds(events)).to.include.members(["started", "reconciled", "level"]);
        expect(await stack.router.unmintedKeyCount(2n)).to.equal(10n);
        await Promise.all([
          until(
            async () =>
              (await stack.router.unmintedKeyCount(2n)) === 10n && keystore.list().length === 13,
          ),
          (async () => {
            for (let i = 0; i < 3; i++) await mintNextAs(stack.pkpNft, stack.alice);
          })(),
        ]);
        await provisioner.stop();
        expect(await stack.router.unmintedKeyCount(2n)).to.equal(10n);
      } finally {
        await provisioner.stop();
      }
    });

    it("with a low-water mark, refills to target only once the pool falls below it", async () => {
      const { make, stack, events } = await setup();
      const provisioner = make({ target: 6, lowWater: 4, pollIntervalMs: 20 });
      await provisioner.start();
      try {
        const registered = () => events.filter((e) => e.kind === "registered").length;
        const afterStart = registered();
        for (let i = 0; i < 2; i++) await mintNextAs(stack.pkpNft, stack.alice);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await stack.router.unmintedKeyCount(2n), "4 left: not below 4").to.equal(4n);
        expect(registered()).to.equal(afterStart);
        await mintNextAs(stack.pkpNft, stack.alice);
        await until(async () => (await stack.router.unmintedKeyCount(2n)) === 6n);
        expect(registered()).to.be.above(afterStart);
      } finally {
        await provisioner.stop();
      }
    });

    it("reports background failures as events and keeps going", async () => {
      const { stack, keystore, events } = await setup();
      let failNext = 0;
      const flaky: Keystore = {
        has: (id) => keystore.has(id),
        list: () => keystore.list(),
        get: (id) => keystore.get(id),
        signDigest: (id, d) => keystore.signDigest(id, d),
        retire: (id, at) => keystore.retire(id, at),
        deriveSecret: (purpose, id, length) => keystore.deriveSecret(purpose, id, length),
        generate: async (t) => {
          if (failNext > 0) {
            failNext -= 1;
            throw new Error("disk full (simulated)");
          }
          return keystore.generate(t);
        },
      };
      const provisioner = new KeyProvisioner({
        router: stack.router,
        keystore: flaky,
        target: 2,
        pollIntervalMs: 20,
        retryBackoffMs: { min: 10, max: 40 },
        onEvent: (e) => events.push(e),
      });
      await provisioner.start();
      try {
        failNext = 2;
        await Promise.all([
          until(async () => (await stack.router.unmintedKeyCount(2n)) === 2n && failNext === 0),
          mintNextAs(stack.pkpNft, stack.alice),
        ]);
        const errors = events.filter((e) => e.kind === "error");
        expect(errors.length).to.be.at.least(2);
        expect(errors[0].message).to.match(/disk full/);
      } finally {
        await provisioner.stop();
      }
    });
    it("redoes a reconcile that failed at start in the background", async () => {
      const { make, stack, events } = await setup();
      const foreign = testKeys(2, "another oracle");
      await registerKeys(stack.router, foreign);
      let outages = 1;
      const flakyRouter = new Proxy(stack.router, {
        get(target, property) {
          const value: unknown = Reflect.get(target, property);
          if (property === "unmintedKeys" && outages > 0) {
            outages -= 1;
            return async () => Promise.reject(new Error("RPC unavailable (simulated)"));
          }
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const provisioner = make({
        router: flakyRouter,
        target: 3,
        pollIntervalMs: 20,
        retryBackoffMs: { min: 10, max: 40 },
      });
      await provisioner.start();
      try {
        expect(events.find((e) => e.kind === "error")?.message).to.match(/RPC unavailable/);
        const reconciled = new Promise<void>((resolve) => {
          const check = setInterval(() => {
            if (events.some((e) => e.kind === "level")) {
              clearInterval(check);
              resolve();
            }
          }, 10);
        });
        await reconciled;
        expect(events.find((e) => e.kind === "withdrawn")?.tokenIds).to.deep.equal(
          foreign.map((k) => k.tokenId),
        );
      } finally {
        await provisioner.stop();
      }
    });
  });

  describe("misconfiguration", () => {
    it("refuses a signer that is not a key provider, naming it and grantKeyProvider", async () => {
      const { make, stack } = await setup();
      const provisioner = make({ router: stack.router.connect(stack.stranger) });
      for (const run of [
        () => provisioner.topUp(),
        () => provisioner.reconcile(),
        () => provisioner.start(),
      ]) {
        const error = await expectRejection(run(), NotKeyProviderError, "NOT_KEY_PROVIDER");
        expect(error.message).to.include(stack.stranger.address);
        expect(error.message).to.include(`grantKeyProvider(${stack.stranger.address})`);
      }
    });

    it("works once the owner grants the role", async () => {
      const { make, stack } = await setup();
      await stack.router.grantKeyProvider(stack.carol.address);
      const report = await make({ router: stack.router.connect(stack.carol), target: 1 }).topUp();
      expect(report.unminted).to.equal(1);
    });

    it("refuses a router connected to a provider only", async () => {
      const { make, stack } = await setup();
      const provisioner = make({ router: stack.router.connect(ethers.provider) });
      await expectRejection(provisioner.topUp(), NoSignerError, "NO_SIGNER");
    });

    it("rejects nonsense options at construction", async () => {
      const { make } = await setup();
      for (const bad of [
        { target: -1 },
        { target: 5, lowWater: 6 },
        { lowWater: -1 },
        { batchSize: 0 },
        { batchSize: 1000 },
        { keyType: 2n ** 32n },
      ]) {
        expectThrow(() => make(bad), InvalidProvisioningOptionsError, "INVALID_OPTIONS");
      }
    });
  });

  describe("level", () => {
    it("reports unminted keys, target and how many of them this keystore holds", async () => {
      const { make, stack } = await setup();
      await registerKeys(stack.router, testKeys(1, "another oracle"));
      const provisioner = make({ target: 5 });
      expect(await provisioner.level()).to.deep.equal({
        keyType: 2n,
        unminted: 1,
        target: 5,
        lowWater: 5,
        held: 0,
      });
      await provisioner.topUp();
      expect(await provisioner.level()).to.deep.equal({
        keyType: 2n,
        unminted: 5,
        target: 5,
        lowWater: 5,
        held: 4,
      });
    });
  });
});
