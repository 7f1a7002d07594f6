/**
 * kill -9 during key provisioning (issue 6 §4, second half): a child process provisions keys with
 * a FileKeystore against a `hardhat node`, is SIGKILLed at chosen and random moments, and is
 * restarted. Afterwards every key in the pool has its private key in the keystore, no key was
 * registered twice, no key was wasted, and the pool reaches its target.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import * as path from "node:path";
import { ethers } from "ethers";

import { PubkeyRouter__factory, type PubkeyRouter } from "../../../typechain-types";
import { FileKeystore } from "../../../src/oracle/keystore";
import {
  HARDHAT_ACCOUNT_0,
  PROJECT_ROOT,
  startHardhatNode,
  type HardhatNode,
} from "../../helpers/hardhatNode";
import { KeyStatus } from "../../helpers/routerHelpers";
import { makeTempDir } from "../../helpers/tempDir";

const CHILD = path.join(__dirname, "fixtures", "provisioningChild.ts");
const PASSPHRASE = "crash-test passphrase";
const TARGET = 24;
const BATCH_SIZE = 4;

interface ChildLine {
  kind: string;
  message: string;
  tokenIds?: string[];
}

/** A provisioning child; `lines` grows as it prints; `waitFor` resolves on a matching line. */
class ProvisioningChild {
  readonly lines: ChildLine[] = [];
  readonly #process: ChildProcess;
  readonly #exited: Promise<[number | null, NodeJS.Signals | null]>;
  #stderr = "";
  #waiters: Array<{ test: (l: ChildLine) => boolean; resolve: () => void }> = [];

  constructor(node: HardhatNode, router: string, dir: string, env: NodeJS.ProcessEnv = {}) {
    this.#process = spawn(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        CHILD,
        node.url,
        router,
        dir,
        `${TARGET}`,
        `${BATCH_SIZE}`,
      ],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          PROVISIONING_KEY: HARDHAT_ACCOUNT_0.privateKey,
          PROVISIONING_PASSPHRASE: PASSPHRASE,
          ...env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.#exited = once(this.#process, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    let buffer = "";
    this.#process.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = JSON.parse(buffer.slice(0, newline)) as ChildLine;
        buffer = buffer.slice(newline + 1);
        this.lines.push(line);
        this.#waiters = this.#waiters.filter((w) => !(w.test(line) && (w.resolve(), true)));
      }
    });
    this.#process.stderr?.on("data", (chunk: Buffer) => (this.#stderr += chunk.toString("utf8")));
  }

  /** Resolves on the first line (already printed or future) that passes `test`, or on exit. */
  waitFor(test: (line: ChildLine) => boolean): Promise<void> {
    if (this.lines.some(test)) return Promise.resolve();
    return Promise.race([
      new Promise<void>((resolve) => this.#waiters.push({ test, resolve })),
      this.#exited.then(() => undefined),
    ]);
  }

  count(kind: string): number {
    return this.lines.filter((l) => l.kind === kind).length;
  }

  /** SIGKILL by PID (no chance to clean up), then wait for the exit. */
  async kill(): Promise<void> {
    if (this.#process.exitCode === null && this.#process.signalCode === null) {
      process.kill(this.#process.pid as number, "SIGKILL");
    }
    await this.#exited;
  }

  async exit(): Promise<{ code: number | null; stderr: string }> {
    const [code] = await this.#exited;
    return { code, stderr: this.#stderr };
  }
}

describe("key provisioning survives kill -9 (hardhat node, child process)", function () {
  this.timeout(180_000);
  let node: HardhatNode;
  let router: PubkeyRouter;
  let dir: Awaited<ReturnType<typeof makeTempDir>>;

  before(async () => {
    node = await startHardhatNode();
    const provider = new ethers.JsonRpcProvider(node.url, undefined, { pollingInterval: 20 });
    const deployer = new ethers.Wallet(HARDHAT_ACCOUNT_0.privateKey, provider);
    const deployed = await new PubkeyRouter__factory(deployer).deploy(deployer.address);
    await deployed.waitForDeployment();
    router = PubkeyRouter__factory.connect(await deployed.getAddress(), provider);
    dir = await makeTempDir("pkp-provisioning-crash-");
  });

  after(async () => {
    await node?.stop();
    await dir?.remove();
  });

  it("loses no key and provisions none twice across SIGKILLs, then reaches target", async () => {
    const routerAddress = await router.getAddress();
    const start = (env: NodeJS.ProcessEnv = {}) =>
      new ProvisioningChild(node, routerAddress, dir.path, env);

    // Round 1: frozen right after the 2nd batch is durable, before it is registered: kill there.
    const first = start({ HANG_AFTER_GENERATED: "2" });
    await first.waitFor((l) => l.kind === "hanging");
    await first.kill();
    const stranded = first.lines.filter((l) => l.kind === "generated")[1].tokenIds ?? [];
    expect(stranded).to.have.length(BATCH_SIZE);
    for (const id of stranded) expect(await router.keyStatus(id)).to.equal(KeyStatus.Unrouted);

    // Round 2: the restart registers the stranded batch before generating anything; kill it
    // as soon as it generates a new batch.
    const second = start();
    await second.waitFor((l) => l.kind === "generated");
    await second.kill();
    const orphans = second.lines.find((l) => l.kind === "orphans-found");
    expect(orphans?.tokenIds, "orphans found at restart").to.have.members(stranded);
    const firstRegistration = second.lines.find((l) => l.kind === "registered");
    // The first batch this run sends is exactly the stranded one (keystore order, not generation order).
    expect(firstRegistration?.tokenIds, "registered before anything new").to.have.members(stranded);
    const kinds = second.lines.map((l) => l.kind);
    expect(kinds.indexOf("registered")).to.be.below(kinds.indexOf("generated"));

    // Rounds 3–5: kills at random moments (mid-write, mid-transaction, between the two).
    for (let round = 0; round < 3; round++) {
      const child = start();
      await child.waitFor((l) => l.kind === "started");
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 400)));
      await child.kill();
    }

    // Final run, to completion.
    const last = start();
    const { code, stderr } = await last.exit();
    expect(code, `${stderr}\n${JSON.stringify(last.lines)}`).to.equal(0);
    expect(last.lines.at(-1)?.kind).to.equal("done");

    const keystore = await FileKeystore.open({ dir: dir.path, passphrase: PASSPHRASE });
    const pool = await router.unmintedKeys(2n, 0n, 1000n);
    expect(pool.length).to.be.at.least(TARGET);
    for (const id of pool) {
      expect(keystore.has(id), `pool key ${id} has its private key`).to.equal(true);
      expect(keystore.get(id)?.retiredAt).to.equal(undefined);
    }
    const logs = await router.queryFilter(router.filters.PubkeyRoutingDataSet(), 0);
    const routed = logs.map((log) => log.args.tokenId);
    expect(new Set(routed).size, "no key registered twice").to.equal(routed.length);
    // Nothing wasted: every key the keystore generated reached the pool (nothing was minted).
    expect(new Set(routed)).to.deep.equal(new Set(keystore.list().map((k) => k.tokenId)));
    expect(new Set(pool)).to.deep.equal(new Set(routed));
  });
});
