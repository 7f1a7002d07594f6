/**
 * ActionRuntime: the entry point for running Lit Actions. It validates the input (limits, code
 * size, jsParams), borrows a sandbox worker from the pool, lets a RunSession drive the execution,
 * returns the worker (or replaces it) and assembles the outcome with timings.
 */
import { basicAuthContext, type AuthContext } from "../auth/authContext";
import { ActionFailure } from "./actionFailure";
import type { RunClient } from "./fairQueue";
import { HostCallQueue } from "./hostCallQueue";
import type { HostValue } from "./hostRequest";
import { type ActionLimits, DEFAULT_LIMITS, resolveLimits } from "./limits";
import type { ActionTimings } from "./protocol";
import { type ActionHost, CANCEL_GRACE_MS, RunSession } from "./runSession";
import { checkRunInput, headerPairs } from "./runInput";
import { WorkerPool, abortFailure, type WorkerPoolStats } from "./workerPool";
import { availableParallelism } from "node:os";
import { messageOf } from "../../errorText";

export interface ActionRuntimeOptions {
  /** Worker threads kept (default: number of CPUs). Each runs one action at a time. */
  poolSize?: number;
  /**
   * Most worker threads at once (default 2 × poolSize). Above poolSize, workers start only while
   * every worker is busy and runs that may start wait, and end after 30 s idle.
   */
  maxWorkers?: number;
  /** Most workers one client holds at once (default max(poolSize, maxWorkers − 1)). */
  maxRunningPerClient?: number;
  /** Longest wait for a worker; past it the run fails with BUSY (default 10 000 ms). */
  maxQueueMs?: number;
  /** Host calls one run may have in progress on the main thread at once (default 4). */
  hostCallConcurrency?: number;
  /** Workers above poolSize end after this long without a run (default 30 000 ms). */
  workerIdleMs?: number;
  /** Defaults for every run; a run may override any field. */
  limits?: Partial<ActionLimits>;
  /**
   * Extra time past timeoutMs before a worker that does not report back is terminated (it is
   * stuck in a builtin that never consults the interrupt handler). Default 1000 ms.
   */
  watchdogGraceMs?: number;
  /**
   * How long a cancelled run's worker has to confirm that the shared flag stopped it before it is
   * terminated and replaced (default 100 ms). Tests raise it to tell the flag from the kill on a
   * loaded machine.
   */
  cancelGraceMs?: number;
}

export interface ActionRunInput {
  /** The action's JavaScript source. */
  code: string;
  /** Its CIDv0; identifies the action to the host (permissions) and in stack traces. */
  ipfsId: string;
  /** Exposed to the action as globals (one per key) and as the `jsParams` object. JSON data only. */
  jsParams?: Record<string, unknown>;
  host: ActionHost;
  limits?: Partial<ActionLimits>;
  /**
   * Who is asking (Lit's AuthContext), shown to the action as the frozen `Lit.Auth` / `LitAuth`.
   * Default: no credentials, the action's own CID on the stack.
   */
  auth?: AuthContext;
  /**
   * The client's request headers, shown to the action as `Lit.Headers` / `LitHeaders` (a
   * read-only Headers object). Names are matched case-insensitively, as HTTP's.
   */
  headers?: Record<string, string | string[] | undefined> | Array<[string, string]>;
  /** Who the run is for, for fair scheduling (see fairQueue.ts). Default: one shared client. */
  client?: RunClient;
  /**
   * Aborting it ends the run: out of the queue if it waits, stopped within cancelGraceMs (100 ms) if it
   * runs. It fails with the reason's code when that is BUSY, else with CANCELLED.
   */
  signal?: AbortSignal;
  /** Overrides the runtime's maxQueueMs for this run. */
  maxQueueMs?: number;
  /**
   * Called once the run has its worker, right before it starts: the moment the run "starts"
   * (the oracle pins its chain view here, so a run that waited reads the chain as of its start).
   */
  onStart?: () => void;
}

export interface ActionOutcome {
  /** The last string given to Lit.Actions.setResponse ("" if never called). */
  response: string;
  /** Everything written through console.*. */
  logs: string;
  /** Host results of signEcdsa / ethPersonalSignMessageEcdsa by sigName, in call order. */
  signatures: Record<string, HostValue>;
  timings: ActionTimings;
}

export interface ActionRuntimeStats extends WorkerPoolStats {
  runs: number;
  failures: number;
  /** Cancelled runs whose worker did not confirm the stop within 100 ms and was terminated. */
  killedOnCancel: number;
  /** Host calls queued on the main thread, not started. */
  hostCallsQueued: number;
}

const DEFAULT_WATCHDOG_GRACE_MS = 1000;

export class ActionRuntime {
  private readonly pool: WorkerPool;
  private readonly hostQueue: HostCallQueue;
  private readonly limits: ActionLimits;
  private readonly watchdogGraceMs: number;
  private readonly cancelGraceMs: number;
  private nextRunId = 1;
  private runs = 0;
  private failures = 0;
  private killedOnCancel = 0;

  constructor(options: ActionRuntimeOptions = {}) {
    this.limits = resolveLimits(DEFAULT_LIMITS, options.limits);
    this.watchdogGraceMs = options.watchdogGraceMs ?? DEFAULT_WATCHDOG_GRACE_MS;
    if (!Number.isSafeInteger(this.watchdogGraceMs) || this.watchdogGraceMs < 0) {
      throw new ActionFailure("INVALID_LIMITS", "watchdogGraceMs must be a non-negative integer");
    }
    this.cancelGraceMs = options.cancelGraceMs ?? CANCEL_GRACE_MS;
    if (!Number.isSafeInteger(this.cancelGraceMs) || this.cancelGraceMs < 0) {
      throw new ActionFailure("INVALID_LIMITS", "cancelGraceMs must be a non-negative integer");
    }
    this.pool = new WorkerPool({
      size: options.poolSize ?? availableParallelism(),
      maxWorkers: options.maxWorkers,
      maxRunningPerClient: options.maxRunningPerClient,
      maxQueueMs: options.maxQueueMs,
      idleRetireMs: options.workerIdleMs,
    });
    try {
      this.hostQueue = new HostCallQueue(options.hostCallConcurrency);
    } catch (error) {
      throw new ActionFailure("INVALID_LIMITS", messageOf(error));
    }
  }

  /** Runs one action. Resolves with its outcome or rejects with an ActionFailure. */
  async run(input: ActionRunInput): Promise<ActionOutcome> {
    const startedAt = performance.now();
    this.runs++;
    try {
      return await this.execute(input, startedAt);
    } catch (error) {
      this.failures++;
      throw error;
    }
  }

  /** Starts all pool workers now (instead of on first use) and waits until they are ready. */
  warmUp(): Promise<void> {
    return this.pool.warmUp();
  }

  stats(): ActionRuntimeStats {
    return {
      ...this.pool.stats(),
      runs: this.runs,
      failures: this.failures,
      killedOnCancel: this.killedOnCancel,
      hostCallsQueued: this.hostQueue.queued,
    };
  }

  /** Terminates all workers; runs still in progress fail with RUNTIME_CLOSED/RUNTIME_ERROR. */
  close(): Promise<void> {
    return this.pool.close();
  }

  private async execute(input: ActionRunInput, startedAt: number): Promise<ActionOutcome> {
    const limits = resolveLimits(this.limits, input.limits);
    const paramsJson = checkRunInput(input, limits);

    const { signal } = input;
    const worker = await this.pool.acquire({
      client: input.client,
      signal,
      maxQueueMs: input.maxQueueMs,
    });
    const dispatchedAt = performance.now();
    const session = new RunSession(worker, {
      runId: this.nextRunId++,
      code: input.code,
      ipfsId: input.ipfsId,
      paramsJson,
      host: input.host,
      limits,
      watchdogGraceMs: this.watchdogGraceMs,
      auth: input.auth ?? basicAuthContext(input.ipfsId, undefined),
      headers: headerPairs(input.headers),
      cancelGraceMs: this.cancelGraceMs,
      hostQueue: this.hostQueue,
    });
    const onAbort = () => session.cancel(abortFailure(signal?.reason, "the run"));
    try {
      if (signal?.aborted) throw abortFailure(signal.reason, "the run");
      // run() posts the run synchronously; from then on an abort cancels it. onStart comes right
      // after, so that its work (the oracle sends its pin) does not delay the worker's start; the
      // run's host calls arrive as messages, i.e. after it.
      const running = session.run();
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        input.onStart?.();
      } catch (error) {
        session.cancel(new ActionFailure("HOST_ERROR", `onStart failed: ${messageOf(error)}`));
      }
      const result = await running;
      const finishedAt = performance.now();
      const worker = result.workerTimings;
      const workerStart = worker ? worker.startedAtEpochMs - performance.timeOrigin : dispatchedAt;
      return {
        response: result.response,
        logs: result.logs,
        signatures: result.signatures,
        timings: {
          queueMs: dispatchedAt - startedAt,
          dispatchMs: Math.max(0, workerStart - dispatchedAt),
          sandboxCreateMs: worker?.sandboxCreateMs ?? 0,
          evalMs: worker?.evalMs ?? 0,
          hostWaitMs: worker?.hostWaitMs ?? 0,
          hostCalls: worker?.hostCalls ?? 0,
          totalMs: finishedAt - startedAt,
        },
      };
    } finally {
      signal?.removeEventListener("abort", onAbort);
      if (session.killedOnCancel) this.killedOnCancel++;
      this.pool.release(worker, session.mustReplaceWorker);
    }
  }
}
