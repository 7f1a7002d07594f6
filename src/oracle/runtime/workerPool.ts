/**
 * A fixed-size pool of sandbox worker threads. Workers start lazily, run one action at a time,
 * and are replaced (terminated, then respawned on demand) whenever a run leaves one in doubt:
 * a watchdog kill, a crash, or the worker itself asking to be recycled.
 *
 * Idle workers are unref'd so an idle pool never keeps the process alive; busy ones are ref'd so a
 * pending run does.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { ActionFailure } from "./actionFailure";
import { ensureEthersBundleSafely } from "./ethers/bundleFile";
import type { FromWorkerMessage, ToWorkerMessage } from "./protocol";
import type { SandboxWorkerData } from "./worker/sandboxWorker";
import { messageOf } from "../../errorText";

export interface WorkerEvents {
  onMessage(message: FromWorkerMessage): void;
  /** The thread died (crash, termination) while this listener was attached. */
  onExit(reason: string): void;
}

/** One worker thread, as lent to a single run. */
export class PooledWorker {
  private events: WorkerEvents | undefined;
  private exited = false;
  readonly ready: Promise<void>;

  constructor(readonly thread: Worker) {
    let markReady: () => void = () => undefined;
    let failBoot: (error: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failBoot = reject;
    });
    // Avoid an unhandled rejection if the worker dies before anyone awaits `ready`.
    this.ready.catch(() => undefined);
    thread.on("message", (message: FromWorkerMessage) => {
      if (message.type === "ready") markReady();
      else this.events?.onMessage(message);
    });
    thread.on("error", (error) => {
      failBoot(error);
      this.events?.onExit(`sandbox worker crashed: ${error.message}`);
    });
    thread.on("exit", (code) => {
      this.exited = true;
      failBoot(new Error(`sandbox worker exited with code ${code} while starting`));
      this.events?.onExit(`sandbox worker exited with code ${code}`);
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  attach(events: WorkerEvents): void {
    this.events = events;
  }

  detach(): void {
    this.events = undefined;
  }

  post(message: ToWorkerMessage): void {
    this.thread.postMessage(message);
  }
}

export interface WorkerPoolStats {
  size: number;
  started: number;
  booting: number;
  busy: number;
  queued: number;
  /** Workers replaced so far (watchdog kills, crashes, recycle requests). */
  replaced: number;
}

export class WorkerPool {
  private readonly idle: PooledWorker[] = [];
  private readonly busy = new Set<PooledWorker>();
  private readonly waiting: Array<{
    resolve: (worker: PooledWorker) => void;
    reject: (error: Error) => void;
  }> = [];
  private readonly booting = new Set<PooledWorker>();
  private replaced = 0;
  private closed = false;

  constructor(readonly size: number) {
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new ActionFailure("INVALID_LIMITS", `poolSize must be a positive integer, got ${size}`);
    }
  }

  /** Resolves with a ready worker reserved for the caller; waits (FIFO) when all are busy. */
  acquire(): Promise<PooledWorker> {
    if (this.closed) return Promise.reject(closedError());
    // The worker idle longest: right after a run a worker builds its next sandbox, so the one
    // that finished first is the one most likely to have it ready.
    let worker = this.idle.shift();
    while (worker && !worker.alive) {
      // Died while idle (crash, external termination): drop it; a successor starts below.
      this.replaced++;
      worker = this.idle.shift();
    }
    if (worker) return Promise.resolve(this.lend(worker));
    const waiter = new Promise<PooledWorker>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
    });
    if (this.total() < this.size) this.spawn();
    return waiter;
  }

  /** Returns a worker after a run. `replace` discards it (and starts a successor if needed). */
  release(worker: PooledWorker, replace: boolean): void {
    worker.detach();
    this.busy.delete(worker);
    if (replace || !worker.alive || this.closed) {
      if (!this.closed) this.replaced++;
      void worker.thread.terminate();
      if (!this.closed && this.waiting.length > 0) this.spawn();
      return;
    }
    const next = this.waiting.shift();
    if (next) {
      next.resolve(this.lend(worker));
    } else {
      worker.thread.unref();
      this.idle.push(worker);
    }
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
      started: this.idle.length + this.busy.size,
      booting: this.booting.size,
      busy: this.busy.size,
      queued: this.waiting.length,
      replaced: this.replaced,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(closedError());
    const all = [...this.idle.splice(0), ...this.busy];
    this.busy.clear();
    await Promise.all(all.map((worker) => worker.thread.terminate()));
  }

  private lend(worker: PooledWorker): PooledWorker {
    worker.thread.ref();
    this.busy.add(worker);
    return worker;
  }

  private total(): number {
    return this.idle.length + this.busy.size + this.booting.size;
  }

  /** Starts one worker; once ready it goes to the first waiter or to the idle list. */
  private spawn(): PooledWorker | undefined {
    let thread: Worker;
    try {
      thread = startWorkerThread();
    } catch (error) {
      this.failOneWaiter(error instanceof Error ? error : new Error(String(error)));
      return undefined;
    }
    const worker = new PooledWorker(thread);
    this.booting.add(worker);
    worker.ready.then(
      () => {
        this.booting.delete(worker);
        if (this.closed) {
          void worker.thread.terminate();
          return;
        }
        const next = this.waiting.shift();
        if (next) next.resolve(this.lend(worker));
        else {
          worker.thread.unref();
          this.idle.push(worker);
        }
      },
      (error: Error) => {
        this.booting.delete(worker);
        this.failOneWaiter(error);
        if (!this.closed && this.waiting.length > 0) this.spawn();
      },
    );
    return worker;
  }

  /** One waiter fails per failed boot, so a broken setup fails runs instead of retrying forever. */
  private failOneWaiter(error: Error): void {
    const next = this.waiting.shift();
    next?.reject(
      new ActionFailure("RUNTIME_ERROR", `sandbox worker failed to start: ${error.message}`),
    );
  }
}

function closedError(): ActionFailure {
  return new ActionFailure("RUNTIME_CLOSED", "the action runtime is closed");
}

/**
 * Starts the worker script. A `.ts` worker cannot be loaded by `new Worker()` directly, so under
 * ts-node (this file is .ts) the thread first registers ts-node (transpile only: type checking
 * happened in the parent) and then requires the .ts entry; from compiled output it requires the
 * .js entry. The bootstrap is passed as eval code so no extra .js file has to be shipped.
 */
function startWorkerThread(): Worker {
  const extension = path.extname(__filename);
  const entry = path.join(__dirname, "worker", `sandboxWorker${extension}`);
  if (!existsSync(entry)) throw new Error(`sandbox worker entry not found: ${entry}`);
  const lines =
    extension === ".ts"
      ? [
          `require(${JSON.stringify(require.resolve("ts-node"))}).register({`,
          `  transpileOnly: true, skipProject: true,`,
          `  compilerOptions: { module: "commonjs", target: "es2022", esModuleInterop: true },`,
          `});`,
          `require(${JSON.stringify(entry)});`,
        ]
      : [`require(${JSON.stringify(entry)});`];
  // The sandbox's ethers, built from the npm package the first time a process needs it (≈ 1 s
  // on a fresh clone, then cached on disk); a build failure only makes `ethers` unavailable.
  const workerData: SandboxWorkerData = { ethersBundle: ensureEthersBundleSafely() };
  return new Worker(lines.join("\n"), { eval: true, stdout: false, stderr: false, workerData });
}
