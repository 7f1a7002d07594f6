/**
 * The main thread's share of host calls, in turns. Every host call of every run (parse the
 * sandbox's JSON, validate it, start the host's work: a chain read, a signature, whatever later
 * features add) goes through one queue:
 * - runs take turns (round-robin), so one run's thousand calls never sit in front of another
 *   run's one;
 * - one run has at most `perRunConcurrency` calls in progress (started, not yet answered), so no
 *   run can put more than that many reads in front of the chain node at once;
 * - one call starts per macrotask (setImmediate between them), so HTTP requests, health checks
 *   and other runs' messages are served between any two calls' synchronous work. A call's start
 *   is more than its synchronous part: it continues in microtasks (awaits of promises that are
 *   already settled: the pinned block, the contracts) which run before the event loop moves on,
 *   so starting several in one macrotask, however short their synchronous parts, put all their
 *   work (an ABI encoding of a 32 KiB argument is ~10 ms) in front of the next request.
 */

import { nextMacrotask } from "../eventLoopTurns";

type Task = () => Promise<void>;

interface RunTasks {
  tasks: Task[];
  active: number;
}

export const DEFAULT_HOST_CALL_CONCURRENCY = 4;

export class HostCallQueue {
  readonly #runs = new Map<number, RunTasks>();
  /** Runs with a task they may start now, in turn order. */
  readonly #ready: number[] = [];
  #scheduled = false;

  constructor(readonly perRunConcurrency: number = DEFAULT_HOST_CALL_CONCURRENCY) {
    if (!Number.isSafeInteger(perRunConcurrency) || perRunConcurrency < 1) {
      throw new RangeError(
        `host-call concurrency must be a positive integer, got ${perRunConcurrency}`,
      );
    }
  }

  /** Queues one host call of run `runId`; it starts in its turn. */
  enqueue(runId: number, task: Task): void {
    let run = this.#runs.get(runId);
    if (run === undefined) {
      run = { tasks: [], active: 0 };
      this.#runs.set(runId, run);
    }
    run.tasks.push(task);
    this.#markReady(runId, run);
    this.#schedule();
  }

  /** The run is over: its queued calls are dropped (calls in progress finish on their own). */
  drop(runId: number): void {
    this.#runs.delete(runId);
    const index = this.#ready.indexOf(runId);
    if (index >= 0) this.#ready.splice(index, 1);
  }

  /** Calls queued and not started, all runs together (for tests and stats). */
  get queued(): number {
    let count = 0;
    for (const run of this.#runs.values()) count += run.tasks.length;
    return count;
  }

  #markReady(runId: number, run: RunTasks): void {
    if (run.tasks.length > 0 && run.active < this.perRunConcurrency) {
      if (!this.#ready.includes(runId)) this.#ready.push(runId);
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#ready.length === 0) return;
    this.#scheduled = true;
    nextMacrotask(() => this.#slice());
  }

  /** Starts one call (the next run's in turn order), then yields the event loop. */
  #slice(): void {
    this.#scheduled = false;
    while (this.#ready.length > 0) {
      const runId = this.#ready.shift() as number;
      const run = this.#runs.get(runId);
      const task = run?.tasks.shift();
      if (run === undefined || task === undefined) continue; // dropped meanwhile
      run.active++;
      // Its turn is over: back of the line if it has more to start.
      this.#markReady(runId, run);
      let settled: Promise<void>;
      try {
        settled = task();
      } catch {
        settled = Promise.resolve();
      }
      settled
        .catch(() => undefined)
        .finally(() => {
          run.active--;
          if (this.#runs.get(runId) === run) {
            if (run.tasks.length === 0 && run.active === 0) this.#runs.delete(runId);
            else this.#markReady(runId, run);
          }
          this.#schedule();
        });
      break; // one call per macrotask (see above)
    }
    this.#schedule();
  }
}
