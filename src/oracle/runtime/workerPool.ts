/**
 * The pool of sandbox worker threads, and who gets the next one. Workers start lazily (or all at
 * once with warmUp), run one action at a time, and are replaced (terminated, then respawned on
 * demand) whenever a run leaves one in doubt: a watchdog kill, a crash, a cancellation the run did
 * not notice in time, or the worker itself asking to be recycled.
 *
 * Scheduling (see fairQueue.ts): runs wait in per-client queues and are dispatched fairly; one
 * client has at most `maxRunningPerClient` workers at once; a waiting run gives up after
 * `maxQueueMs` (BUSY) or when its caller aborts (CANCELLED). `size` workers are kept; when they
 * are all busy and runs that may start wait, up to `maxWorkers` are started, so that long runs of one
 * client cannot keep another's short run from starting. Workers above `size` end after
 * `idleRetireMs` without work.
 *
 * Idle workers are unref'd so an idle pool never keeps the process alive; busy ones are ref'd so a
 * pending run does.
 */
import { Worker } from "node:worker_threads";
import { ActionFailure } from "./actionFailure";
import { ensureEthersBundleSafely } from "./ethers/bundleFile";
import { FairQueue, type RunClient, type Waiting } from "./fairQueue";
import { PooledWorker } from "./pooledWorker";
import { workerBootstrap, workerExecArgv } from "./workerScript";
import type { SandboxWorkerData } from "./worker/sandboxWorker";
import { messageOf } from "../../errorText";

export { PooledWorker, type WorkerEvents } from "./pooledWorker";

export interface WorkerPoolStats {
  /** Workers kept (started by warmUp, never retired). */
  size: number;
  /** Most workers at once (extra ones start only while runs wait for one). */
  maxWorkers: number;
  started: number;
  booting: number;
  busy: number;
  queued: number;
  /** Workers replaced so far (watchdog kills, crashes, cancellations, recycle requests). */
  replaced: number;
  /** Runs that gave up waiting: BUSY past maxQueueMs, or cancelled by their caller. */
  timedOut: number;
  cancelled: number;
}

export interface WorkerPoolOptions {
  /** Workers kept; warmUp starts them. */
  size: number;
  /** Most workers at once. Default 2 × size. */
  maxWorkers?: number;
  /** Most workers one client (group) holds at once. Default max(size, maxWorkers − 1). */
  maxRunningPerClient?: number;
  /** Longest wait for a worker before a run fails with BUSY. Default 10 s. */
  maxQueueMs?: number;
  /** Workers above `size` end after this long without work. Default 30 s. */
  idleRetireMs?: number;
}

export interface AcquireOptions {
  client?: RunClient;
  /** Aborting it takes the run out of the queue (its reason's `code`, BUSY or CANCELLED). */
  signal?: AbortSignal;
  /** Overrides the pool's maxQueueMs for this run. */
  maxQueueMs?: number;
}

export const DEFAULT_MAX_QUEUE_MS = 10_000;
/** How often a run past maxQueueMs looks again while it waits for the pool's first worker to start. */
const BOOT_RECHECK_MS = 250;
const DEFAULT_IDLE_RETIRE_MS = 30_000;

interface Waiter {
  resolve: (worker: PooledWorker) => void;
  reject: (error: Error) => void;
  /** Clears the waiter's timer and abort listener. */
  settle: () => void;
}

/** The failure a run gets when its caller aborts: the reason's code if BUSY, else CANCELLED. */
export function abortFailure(reason: unknown, what: string): ActionFailure {
  if (reason instanceof ActionFailure) return reason;
  const code =
    typeof reason === "object" && reason !== null && Reflect.get(reason, "code") === "BUSY"
      ? "BUSY"
      : "CANCELLED";
  // Only our own reasons (errors with a string code) carry a message meant for the caller.
  const ours =
    typeof reason === "object" &&
    reason !== null &&
    typeof Reflect.get(reason, "code") === "string";
  const message =
    ours && reason instanceof Error && reason.message !== ""
      ? reason.message
      : code === "BUSY"
        ? `${what} was shed to make room for other clients`
        : `${what} was cancelled: its caller went away`;
  return new ActionFailure(code, message);
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ActionFailure("INVALID_LIMITS", `${name} must be an integer ≥ ${min}, got ${value}`);
  }
}

export class WorkerPool {
  readonly size: number;
  readonly maxWorkers: number;
  readonly maxQueueMs: number;
  private readonly idleRetireMs: number;
  private readonly idle: PooledWorker[] = [];
  private readonly busy = new Set<PooledWorker>();
  private readonly queue: FairQueue<Waiter>;
  private readonly booting = new Set<PooledWorker>();
  private replaced = 0;
  private timedOut = 0;
  private cancelled = 0;
  private closed = false;

  constructor(options: WorkerPoolOptions | number) {
    const resolved = typeof options === "number" ? { size: options } : options;
    this.size = resolved.size;
    if (!Number.isSafeInteger(this.size) || this.size < 1) {
      throw new ActionFailure(
        "INVALID_LIMITS",
        `poolSize must be a positive integer, got ${this.size}`,
      );
    }
    this.maxWorkers = resolved.maxWorkers ?? 2 * this.size;
    checkCount("maxWorkers", this.maxWorkers, this.size);
    // One client may use every worker but one (so another client always finds one), and at least
    // the kept ones: while a run waits for its host calls (the chain), others use the CPU.
    const maxRunningPerClient =
      resolved.maxRunningPerClient ?? Math.max(this.size, this.maxWorkers - 1);
    checkCount("maxRunningPerClient", maxRunningPerClient, 1);
    this.maxQueueMs = resolved.maxQueueMs ?? DEFAULT_MAX_QUEUE_MS;
    checkCount("maxQueueMs", this.maxQueueMs, 0);
    this.idleRetireMs = resolved.idleRetireMs ?? DEFAULT_IDLE_RETIRE_MS;
    checkCount("idleRetireMs", this.idleRetireMs, 0);
    this.queue = new FairQueue<Waiter>(maxRunningPerClient);
  }

  /**
   * Resolves with a ready worker reserved for the caller, when the fair order reaches it (see the
   * top of the file). Rejects with BUSY after maxQueueMs, with the abort failure when `signal`
   * aborts, with RUNTIME_CLOSED when the pool closes.
   */
  acquire(options: AcquireOptions = {}): Promise<PooledWorker> {
    if (this.closed) return Promise.reject(closedError());
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortFailure(signal.reason, "the run"));
    const maxQueueMs = options.maxQueueMs ?? this.maxQueueMs;
    return new Promise<PooledWorker>((resolve, reject) => {
      const giveUp = (failure: ActionFailure) => {
        if (!this.queue.remove(waiting)) return;
        waiter.settle();
        reject(failure);
      };
      const onAbort = () => {
        this.cancelled++;
        giveUp(abortFailure(signal?.reason, "the run"));
      };
      const waiter: Waiter = {
        resolve,
        reject,
        // Only called once the run leaves the queue, i.e. after `timer` below is set.
        settle: () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
        },
      };
      const waiting: Waiting<Waiter> = this.queue.push(options.client, waiter);
      const expire = () => {
        // BUSY says other runs hold the workers. With no worker up at all and one starting (a
        // cold start, or every worker being replaced, on a loaded machine this can take seconds),
        // the run waits for that start instead: it ends ready (the run is dispatched) or failed
        // (one waiter fails), so this wait is bounded too.
        if (this.idle.length + this.busy.size === 0 && this.booting.size > 0) {
          timer = setTimeout(expire, Math.min(maxQueueMs, BOOT_RECHECK_MS));
          return;
        }
        this.timedOut++;
        giveUp(
          new ActionFailure(
            "BUSY",
            `no sandbox worker became free within ${maxQueueMs} ms; retry shortly`,
          ),
        );
      };
      let timer = setTimeout(expire, maxQueueMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.dispatch();
    });
  }

  /** Returns a worker after a run. `replace` discards it (and starts a successor if needed). */
  release(worker: PooledWorker, replace: boolean): void {
    worker.detach();
    this.busy.delete(worker);
    if (worker.client !== undefined) this.queue.finished(worker.client);
    worker.client = undefined;
    if (replace || !worker.alive || this.closed) {
      if (!this.closed) this.replaced++;
      void worker.thread.terminate();
    } else {
      this.makeIdle(worker);
    }
    this.dispatch();
  }

  /** Starts every worker up to the pool size and waits until they are ready. */
  async warmUp(): Promise<void> {
    const missing = this.size - this.total();
    for (let i = 0; i < missing && !this.closed; i++) {
      if (!this.spawn()) throw new ActionFailure("RUNTIME_ERROR", "sandbox worker failed to start");
    }
    try {
      await Promise.all([...this.booting].map((worker) => worker.ready));
    } catch (error) {
      throw new ActionFailure(
        "RUNTIME_ERROR",
        `sandbox worker failed to start: ${messageOf(error)}`,
      );
    }
  }

  stats(): WorkerPoolStats {
    return {
      size: this.size,
      maxWorkers: this.maxWorkers,
      started: this.idle.length + this.busy.size,
      booting: this.booting.size,
      busy: this.busy.size,
      queued: this.queue.size,
      replaced: this.replaced,
      timedOut: this.timedOut,
      cancelled: this.cancelled,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.queue.drain()) {
      waiting.item.settle();
      waiting.item.reject(closedError());
    }
    const all = [...this.idle.splice(0), ...this.busy];
    this.busy.clear();
    for (const worker of all) clearTimeout(worker.idleTimer);
    await Promise.all(all.map((worker) => worker.thread.terminate()));
  }

  /** Lends idle workers to the fairest waiting runs; starts more workers if runs still wait. */
  private dispatch(): void {
    while (!this.closed && this.queue.dispatchable() > 0) {
      const worker = this.takeIdle();
      if (worker === undefined) {
        this.grow();
        return;
      }
      const waiting = this.queue.next();
      if (waiting === undefined) {
        this.makeIdle(worker);
        return;
      }
      waiting.item.settle();
      worker.client = waiting.client;
      waiting.item.resolve(this.lend(worker));
    }
  }

  /** Starts workers for runs that could start now but find none idle, up to maxWorkers. */
  private grow(): void {
    const wanted = this.queue.dispatchable() - this.booting.size;
    for (let i = 0; i < wanted && this.total() < this.maxWorkers; i++) {
      if (!this.spawn()) return;
    }
  }

  /** The idle worker waiting longest (the one most likely to have its next sandbox built). */
  private takeIdle(): PooledWorker | undefined {
    let worker = this.idle.shift();
    while (worker && !worker.alive) {
      // Died while idle (crash, external termination): drop it; a successor starts if needed.
      clearTimeout(worker.idleTimer);
      this.replaced++;
      worker = this.idle.shift();
    }
    if (worker) clearTimeout(worker.idleTimer);
    return worker;
  }

  private makeIdle(worker: PooledWorker): void {
    worker.thread.unref();
    this.idle.push(worker);
    if (this.total() > this.size) {
      clearTimeout(worker.idleTimer);
      worker.idleTimer = setTimeout(() => this.retire(worker), this.idleRetireMs);
      worker.idleTimer.unref();
    }
  }

  /** Ends an extra worker that stayed idle (never below `size`). */
  private retire(worker: PooledWorker): void {
    const index = this.idle.indexOf(worker);
    if (index < 0 || this.total() <= this.size) return;
    this.idle.splice(index, 1);
    void worker.thread.terminate();
  }

  private lend(worker: PooledWorker): PooledWorker {
    worker.thread.ref();
    this.busy.add(worker);
    return worker;
  }

  private total(): number {
    return this.idle.length + this.busy.size + this.booting.size;
  }

  /** Starts one worker; once ready it goes to the fairest waiting run or to the idle list. */
  private spawn(): PooledWorker | undefined {
    let thread: Worker;
    const cancel = new SharedArrayBuffer(8);
    try {
      thread = startWorkerThread(cancel);
    } catch (error) {
      this.failOneWaiter(error instanceof Error ? error : new Error(String(error)));
      return undefined;
    }
    const worker = new PooledWorker(thread, new Int32Array(cancel));
    this.booting.add(worker);
    worker.ready.then(
      () => {
        this.booting.delete(worker);
        if (this.closed) {
          void worker.thread.terminate();
          return;
        }
        this.makeIdle(worker);
        this.dispatch();
      },
      (error: Error) => {
        this.booting.delete(worker);
        this.failOneWaiter(error);
        if (!this.closed) this.dispatch();
      },
    );
    return worker;
  }

  /** One waiter fails per failed boot, so a broken setup fails runs instead of retrying forever. */
  private failOneWaiter(error: Error): void {
    const waiting = this.queue.next();
    if (waiting === undefined) return;
    this.queue.finished(waiting.client);
    waiting.item.settle();
    waiting.item.reject(
      new ActionFailure("RUNTIME_ERROR", `sandbox worker failed to start: ${error.message}`),
    );
  }
}

function closedError(): ActionFailure {
  return new ActionFailure("RUNTIME_CLOSED", "the action runtime is closed");
}

/** Starts the worker script (see workerScript.ts for how TypeScript sources are loaded). */
function startWorkerThread(cancel: SharedArrayBuffer): Worker {
  // The sandbox's ethers, built from the npm package the first time a process needs it (≈ 1 s
  // on a fresh clone, then cached on disk); a build failure only makes `ethers` unavailable.
  const workerData: SandboxWorkerData = { cancel, ethersBundle: ensureEthersBundleSafely() };
  return new Worker(workerBootstrap(), {
    eval: true,
    execArgv: workerExecArgv(),
    stdout: false,
    stderr: false,
    workerData,
  });
}
