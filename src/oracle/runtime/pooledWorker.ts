/**
 * One sandbox worker thread as the pool lends it to a run: its messages go to the run that holds
 * it, its death is reported to that run, and a flag in memory shared with the thread cancels a
 * run at the sandbox's next interrupt check.
 */
import type { Worker } from "node:worker_threads";
import type { RunClient } from "./fairQueue";
import type { FromWorkerMessage, ToWorkerMessage } from "./protocol";

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
  /** The client of the run it serves (for the per-client count), set by the pool when lent. */
  client: Required<RunClient> | undefined;
  /** Retires a worker above the pool's size after it stayed idle (see WorkerPool). */
  idleTimer: NodeJS.Timeout | undefined;

  /**
   * `cancelFlag` is shared with the thread: storing a run id in slot 0 makes the sandbox's
   * interrupt handler stop that run at its next check, even inside a synchronous loop; the thread
   * writes the run id into slot 1 once the run stopped.
   */
  constructor(
    readonly thread: Worker,
    readonly cancelFlag: Int32Array,
  ) {
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

  /** Asks the thread to stop run `runId` as soon as its interrupt handler runs. */
  cancel(runId: number): void {
    Atomics.store(this.cancelFlag, 0, runId);
  }

  /** Whether the thread reported run `runId` stopped (it no longer runs the action's code). */
  stopped(runId: number): boolean {
    return Atomics.load(this.cancelFlag, 1) === runId;
  }
}
