/**
 * Key provisioning: keeps at least `target` unminted keys of one key type in the router's pool,
 * so minters always find a key, and makes sure every key in that pool is one this oracle can
 * sign for.
 *
 * Invariants (what a kill -9 at any instant must not break):
 * - A public key reaches the chain only after `keystore.generate()` resolved, i.e. after its
 *   private key is durably stored. So the chain never holds a key the keystore lacks.
 * - Keys generated but not registered (a crash, or a failed transaction, between the two steps)
 *   are registered by the next `reconcile()` / `topUp()` before any new key is generated, so a
 *   restart loses nothing and provisions nothing twice.
 * - Unminted keys the keystore does not hold (or holds retired) are withdrawn from the pool, so no
 *   minter ever receives a PKP nobody can sign for.
 * All chain-changing work runs one job at a time (a promise chain), whoever asked for it.
 */
import type { ContractRunner, Provider, Signer } from "ethers";

import type { PubkeyRouter } from "../../../typechain-types";
import { KEY_TYPE_ECDSA } from "../../protocol";
import type { Keystore, StoredKey } from "../keystore";
import { KeyStatus, decodeRouterRevert, mapLimit, walkPool } from "./chain";
import {
  InvalidProvisioningOptionsError,
  NoSignerError,
  NotKeyProviderError,
  ProvisioningError,
} from "./errors";
import { messageOf } from "../../errorText";

export interface KeyProvisionerOptions {
  /** Typechain handle connected to the key-provider signer. */
  router: PubkeyRouter;
  keystore: Keystore;
  /** Key type of the pool to keep filled. Default 2n (ECDSA secp256k1). */
  keyType?: bigint;
  /** Unminted keys a top-up fills the pool to. Default 10. */
  target?: number;
  /**
   * The background loop tops up as soon as the pool holds fewer than this many unminted keys
   * (a mint drops it below). Default: `target` (every mint is replaced at once). Lower values
   * trade refill transactions (≈ 21 k gas of overhead each) for a smaller margin.
   */
  lowWater?: number;
  /** Keys per registration / withdrawal transaction. Default 10 (≈ 0.77 M gas to register). */
  batchSize?: number;
  /** Progress and problems; never throws into the provisioner (its errors are ignored). */
  onEvent?: (e: ProvisioningEvent) => void;
  /**
   * How often `start()` looks for a new block (every PKPMinted is in one; the pool's level is
   * read only when the block changed). Default 1000 ms; the service uses 100 ms.
   */
  pollIntervalMs?: number;
  /** Backoff after a failed background run: doubles from `min` up to `max`. Default 1 s → 60 s. */
  retryBackoffMs?: { min: number; max: number };
}

export interface ReconcileReport {
  /** Pool keys this keystore does not hold (or holds retired), now withdrawn. */
  withdrawn: bigint[];
  /** Keys the keystore held but the chain had never seen, now registered. */
  registered: bigint[];
  unminted: number;
}

export interface TopUpReport {
  added: bigint[];
  unminted: number;
}

export interface PoolLevel {
  keyType: bigint;
  unminted: number;
  target: number;
  lowWater: number;
  /** Unminted pool keys whose private key this keystore holds (not retired). */
  held: number;
}

export type ProvisioningEvent = { kind: string; message: string; [k: string]: unknown };

const DEFAULT_TARGET = 10;
const DEFAULT_BATCH_SIZE = 10;
/** Above this a batch nears the 30 M block gas limit (≈ 77 k gas per key registered). */
const MAX_BATCH_SIZE = 200;
const STATUS_READ_CONCURRENCY = 8;

export class KeyProvisioner {
  readonly #router: PubkeyRouter;
  readonly #keystore: Keystore;
  readonly #keyType: bigint;
  readonly #target: number;
  readonly #lowWater: number;
  readonly #batchSize: number;
  readonly #onEvent: (e: ProvisioningEvent) => void;
  readonly #pollIntervalMs: number;
  readonly #backoff: { min: number; max: number };

  /** Tail of the job chain: every chain-changing job starts after the previous one settled. */
  #tail: Promise<unknown> = Promise.resolve();
  /** Generated here, not yet (known to be) registered: registered before anything new is made. */
  #unregistered: StoredKey[] = [];
  /** Keys seen minted or withdrawn: final states, so their status is never read again. */
  readonly #settled = new Set<bigint>();
  #signer: { address: string; routerAddress: string } | undefined;

  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #lastBlock = -1;
  #failures = 0;
  /** Set by start(); cleared by the first reconcile that succeeds (a failed one is redone). */
  #needsReconcile = false;
  #current: Promise<void> | undefined;

  constructor(options: KeyProvisionerOptions) {
    this.#router = options.router;
    this.#keystore = options.keystore;
    this.#keyType = options.keyType ?? KEY_TYPE_ECDSA;
    this.#target = options.target ?? DEFAULT_TARGET;
    this.#lowWater = options.lowWater ?? this.#target;
    this.#batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.#backoff = options.retryBackoffMs ?? { min: 1_000, max: 60_000 };
    const onEvent = options.onEvent;
    this.#onEvent = (e) => {
      try {
        onEvent?.(e);
      } catch {
        // A listener's bug must not stop provisioning.
      }
    };
    if (typeof this.#keyType !== "bigint" || this.#keyType < 0n || this.#keyType > 0xffffffffn) {
      throw new InvalidProvisioningOptionsError(
        `keyType must be a bigint in [0, 2^32 - 1], got ${String(options.keyType)}`,
      );
    }
    if (!Number.isSafeInteger(this.#target) || this.#target < 0) {
      throw new InvalidProvisioningOptionsError(
        `target must be a non-negative integer, got ${String(options.target)}`,
      );
    }
    if (
      !Number.isSafeInteger(this.#lowWater) ||
      this.#lowWater < 0 ||
      this.#lowWater > this.#target
    ) {
      throw new InvalidProvisioningOptionsError(
        `lowWater must be an integer in [0, target = ${this.#target}], got ${String(options.lowWater)}`,
      );
    }
    if (
      !Number.isSafeInteger(this.#batchSize) ||
      this.#batchSize < 1 ||
      this.#batchSize > MAX_BATCH_SIZE
    ) {
      throw new InvalidProvisioningOptionsError(
        `batchSize must be an integer in [1, ${MAX_BATCH_SIZE}], got ${String(options.batchSize)}`,
      );
    }
    const { min, max } = this.#backoff;
    if (!(this.#pollIntervalMs > 0) || !(min > 0) || !(max >= min)) {
      throw new InvalidProvisioningOptionsError(
        "pollIntervalMs must be > 0 and retryBackoffMs must satisfy 0 < min <= max",
      );
    }
  }

  /**
   * Withdraws unminted keys this keystore cannot sign for, and registers keys it holds that the
   * chain has never seen (generated, then a crash before registration).
   * @throws NotKeyProviderError, NoSignerError
   */
  reconcile(): Promise<ReconcileReport> {
    return this.#exclusive(() => this.#reconcile());
  }

  /**
   * Generates (durably) and registers keys in batches until the pool holds at least `target`.
   * Keys generated earlier but never registered go first.
   * @throws NotKeyProviderError, NoSignerError
   */
  topUp(): Promise<TopUpReport> {
    return this.#exclusive(() => this.#topUp());
  }

  /**
   * Reconciles and tops up once (configuration errors reject; transient ones are reported and
   * retried), then keeps the pool filled: on every new block, if the pool fell below lowWater,
   * tops it up to target. Background failures go to `onEvent` (kind "error") and are retried with backoff.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#lastBlock = -1;
    this.#needsReconcile = true;
    this.#emit(
      "started",
      `keeping ${this.#target} unminted keys of type ${this.#keyType} (refill below ${this.#lowWater})`,
      { target: this.#target, lowWater: this.#lowWater },
    );
    let delay = this.#pollIntervalMs;
    try {
      await this.#exclusive(() => this.#keepLevel());
      this.#failures = 0;
    } catch (err) {
      if (err instanceof ProvisioningError) {
        this.#running = false;
        throw err;
      }
      delay = this.#reportFailure(err);
    }
    if (this.#running && this.#timer === undefined) this.#schedule(delay);
  }

  /** Stops watching the pool and waits for a run in progress to finish. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#current;
    await this.#tail.catch(() => undefined);
    this.#emit("stopped", "provisioning stopped");
  }

  /** The pool's level now. Read-only: needs no key-provider role. */
  async level(): Promise<PoolLevel> {
    const blockTag = await this.#provider().getBlockNumber();
    const pool = await walkPool(this.#router, this.#keyType, blockTag);
    return {
      keyType: this.#keyType,
      unminted: pool.length,
      target: this.#target,
      lowWater: this.#lowWater,
      held: pool.filter((id) => this.#holds(id)).length,
    };
  }

  // ------------------------------------------------------------------ jobs

  async #reconcile(): Promise<ReconcileReport> {
    await this.#checkKeyProvider();
    const blockTag = await this.#provider().getBlockNumber();
    // Pinned block: pages of one consistent pool even while mints move its head.
    const pool = await walkPool(this.#router, this.#keyType, blockTag);
    const foreign = pool.filter((id) => !this.#holds(id));
    if (foreign.length > 0) {
      this.#emit(
        "foreign-keys",
        `${foreign.length} unminted key(s) this keystore cannot sign for`,
        {
          tokenIds: foreign,
        },
      );
    }
    const withdrawn = await this.#withdraw(foreign);
    const registered = await this.#registerOrphans(new Set(pool));
    const unminted = await this.#count();
    this.#emit("reconciled", `withdrew ${withdrawn.length}, registered ${registered.length}`, {
      withdrawn,
      registered,
      unminted,
    });
    return { withdrawn, registered, unminted };
  }

  async #topUp(): Promise<TopUpReport> {
    await this.#checkKeyProvider();
    const added: bigint[] = [];
    // Leftovers of a failed registration in this process go before any new key.
    added.push(...(await this.#registerPending()));
    let unminted = await this.#count();
    while (unminted < this.#target) {
      const count = Math.min(this.#target - unminted, this.#batchSize);
      const started = Date.now();
      // All of the batch is durable before any of it is sent: the ordering invariant.
      const keys = await Promise.all(
        Array.from({ length: count }, () => this.#keystore.generate(Number(this.#keyType))),
      );
      this.#unregistered.push(...keys);
      this.#emit("generated", `generated ${keys.length} key(s)`, {
        tokenIds: keys.map((k) => k.tokenId),
        ms: Date.now() - started,
      });
      added.push(...(await this.#registerPending()));
      unminted = await this.#count();
    }
    this.#emit("level", `${unminted} unminted key(s), target ${this.#target}`, {
      unminted,
      target: this.#target,
    });
    return { added, unminted };
  }

  /**
   * One run of the background job: reconcile until that succeeded once; top up to target when
   * the pool fell below lowWater (at start: below target).
   */
  async #keepLevel(): Promise<void> {
    const starting = this.#needsReconcile;
    if (this.#needsReconcile) {
      await this.#reconcile();
      this.#needsReconcile = false;
    }
    const threshold = starting ? this.#target : this.#lowWater;
    if ((await this.#count()) < threshold || this.#unregistered.length > 0) await this.#topUp();
  }

  // ------------------------------------------------------------------ steps

  /** Withdraws `tokenIds` in batches; skips keys that left the pool meanwhile (minted, withdrawn). */
  async #withdraw(tokenIds: bigint[]): Promise<bigint[]> {
    const withdrawn: bigint[] = [];
    let pending = [...tokenIds];
    while (pending.length > 0) {
      const batch = pending.slice(0, this.#batchSize);
      try {
        const tx = await this.#router.withdrawUnmintedKeys(this.#keyType, batch);
        const receipt = await tx.wait();
        withdrawn.push(...batch);
        pending = pending.slice(batch.length);
        this.#emit("withdrawn", `withdrew ${batch.length} key(s) nobody here can sign for`, {
          tokenIds: batch,
          txHash: tx.hash,
          gasUsed: receipt?.gasUsed,
        });
      } catch (err) {
        const revert = decodeRouterRevert(this.#router, err);
        if (revert?.name !== "KeyNotInPool") throw this.#translate(err);
        const gone = BigInt(revert.args[0] as bigint);
        pending = pending.filter((id) => id !== gone);
        const status = await this.#router.keyStatus(gone);
        this.#emit(
          status === KeyStatus.Minted ? "foreign-key-minted" : "withdraw-skipped",
          status === KeyStatus.Minted
            ? `key ${gone} was minted before it could be withdrawn: this oracle cannot sign for it`
            : `key ${gone} left the pool before it could be withdrawn`,
          { tokenId: gone, status },
        );
      }
    }
    return withdrawn;
  }

  /**
   * Registers held, unretired keys the chain has never seen. Only keys newer than every key of
   * this type the chain knows (a crash leaves exactly such a tail): an older unrouted key most
   * likely belongs to another deployment sharing this keystore, and registering it here would let
   * one key back two PKPs. Those are reported ("unrouted-key-skipped") and left alone.
   */
  async #registerOrphans(pool: Set<bigint>): Promise<bigint[]> {
    const held = this.#keystore
      .list()
      .filter((k) => BigInt(k.keyType) === this.#keyType && k.retiredAt === undefined);
    // Keys neither in the pool nor known final: unrouted, or minted/withdrawn since we last looked.
    const unknown = held.filter((k) => !pool.has(k.tokenId) && !this.#settled.has(k.tokenId));
    const statuses = await mapLimit(unknown, STATUS_READ_CONCURRENCY, (k) =>
      this.#router.keyStatus(k.tokenId),
    );
    const unrouted = new Set<bigint>();
    for (const [i, key] of unknown.entries()) {
      const status = statuses[i];
      if (status === KeyStatus.Unrouted) {
        unrouted.add(key.tokenId);
        continue;
      }
      if (status === KeyStatus.Minted || status === KeyStatus.Withdrawn)
        this.#settled.add(key.tokenId);
      if (status === KeyStatus.Withdrawn) {
        // Withdrawn by another provider: it can never be minted, so it must never sign either.
        await this.#keystore.retire(key.tokenId);
        this.#emit("retired", `retired key ${key.tokenId}, withdrawn from the pool`, {
          tokenId: key.tokenId,
        });
      }
    }
    // `list()` is oldest first; retired keys are routed keys too (they were withdrawn).
    const all = this.#keystore.list().filter((k) => BigInt(k.keyType) === this.#keyType);
    let newestRouted = -1;
    all.forEach((k, i) => {
      if (!unrouted.has(k.tokenId)) newestRouted = i;
    });
    const orphans: StoredKey[] = [];
    const stale: bigint[] = [];
    all.forEach((k, i) => {
      if (!unrouted.has(k.tokenId)) return;
      if (i > newestRouted) orphans.push(k);
      else stale.push(k.tokenId);
    });
    if (stale.length > 0) {
      this.#emit(
        "unrouted-key-skipped",
        `${stale.length} held key(s) never routed here but older than routed ones: left ` +
          `unregistered (another deployment's keys? use one keystore per deployment)`,
        { tokenIds: stale },
      );
    }
    if (orphans.length === 0) return [];
    this.#emit("orphans-found", `${orphans.length} held key(s) were never registered`, {
      tokenIds: orphans.map((k) => k.tokenId),
    });
    const pendingIds = new Set(this.#unregistered.map((k) => k.tokenId));
    this.#unregistered.push(...orphans.filter((k) => !pendingIds.has(k.tokenId)));
    return this.#registerPending();
  }

  /**
   * Registers `#unregistered` in batches, oldest first. A key the chain refuses as already routed
   * (its earlier transaction landed after all) is dropped, never retried. On any other failure
   * the rest stays queued for the next run.
   */
  async #registerPending(): Promise<bigint[]> {
    const registered: bigint[] = [];
    while (this.#unregistered.length > 0) {
      const batch = this.#unregistered.slice(0, this.#batchSize);
      try {
        const started = Date.now();
        const tx = await this.#router.setRoutingDataBatch(
          batch.map((k) => k.tokenId),
          batch.map((k) => k.publicKey),
          this.#keyType,
        );
        const receipt = await tx.wait();
        this.#dropPending(batch.map((k) => k.tokenId));
        registered.push(...batch.map((k) => k.tokenId));
        this.#emit("registered", `registered ${batch.length} key(s)`, {
          tokenIds: batch.map((k) => k.tokenId),
          txHash: tx.hash,
          gasUsed: receipt?.gasUsed,
          ms: Date.now() - started,
        });
      } catch (err) {
        const revert = decodeRouterRevert(this.#router, err);
        if (revert?.name !== "AlreadyRouted") throw this.#translate(err);
        const routed = BigInt(revert.args[0] as bigint);
        this.#dropPending([routed]);
        this.#emit("already-routed", `key ${routed} is already routed; not registering it again`, {
          tokenId: routed,
        });
      }
    }
    return registered;
  }

  #dropPending(tokenIds: bigint[]): void {
    const drop = new Set(tokenIds);
    this.#unregistered = this.#unregistered.filter((k) => !drop.has(k.tokenId));
  }

  // ------------------------------------------------------------------ background loop

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#current = this.#tick().finally(() => {
        this.#current = undefined;
      });
    }, delayMs);
    // The loop alone must not keep a process alive (the service's server does).
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    let delay = this.#pollIntervalMs;
    try {
      const block = await this.#provider().getBlockNumber();
      if (block !== this.#lastBlock) {
        await this.#exclusive(() => this.#keepLevel());
        this.#lastBlock = block;
      }
      this.#failures = 0;
    } catch (err) {
      delay = this.#reportFailure(err);
    }
    this.#schedule(delay);
  }

  /** Reports a background failure; returns the delay before the next attempt. */
  #reportFailure(err: unknown): number {
    this.#failures += 1;
    const delay = Math.min(this.#backoff.max, this.#backoff.min * 2 ** (this.#failures - 1));
    this.#emit("error", `provisioning failed (retry in ${delay} ms): ${messageOf(err)}`, {
      error: err,
      retryInMs: delay,
      failures: this.#failures,
    });
    return delay;
  }

  // ------------------------------------------------------------------ plumbing

  #exclusive<T>(job: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(job);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  #holds(tokenId: bigint): boolean {
    const key = this.#keystore.get(tokenId);
    return key !== undefined && key.retiredAt === undefined;
  }

  async #count(): Promise<number> {
    return Number(await this.#router.unmintedKeyCount(this.#keyType));
  }

  #provider(): Provider {
    const provider = this.#router.runner?.provider;
    if (!provider) throw new NoSignerError(this.#routerTarget());
    return provider;
  }

  #routerTarget(): string {
    return typeof this.#router.target === "string" ? this.#router.target : "(unresolved address)";
  }

  /** Fails fast, with the fix, when the router's account may not register keys. Cached once OK. */
  async #checkKeyProvider(): Promise<void> {
    if (this.#signer) return;
    const runner = this.#router.runner;
    if (!isSigner(runner)) throw new NoSignerError(this.#routerTarget());
    const address = await runner.getAddress();
    const routerAddress = await this.#router.getAddress();
    if (!(await this.#router.isKeyProvider(address))) {
      throw new NotKeyProviderError(address, routerAddress);
    }
    this.#signer = { address, routerAddress };
  }

  /** The role can be revoked while we run: turn NotKeyProvider reverts into the typed error. */
  #translate(err: unknown): unknown {
    const revert = decodeRouterRevert(this.#router, err);
    if (revert?.name === "NotKeyProvider") {
      const account = String(revert.args[0]);
      this.#signer = undefined;
      return new NotKeyProviderError(account, this.#routerTarget(), { cause: err });
    }
    return err;
  }

  #emit(kind: string, message: string, fields: Record<string, unknown> = {}): void {
    this.#onEvent({ ...fields, kind, message, keyType: this.#keyType });
  }
}

function isSigner(runner: ContractRunner | null): runner is Signer {
  return (
    runner !== null &&
    typeof (runner as Partial<Signer>).getAddress === "function" &&
    typeof runner.sendTransaction === "function"
  );
}
