/**
 * ActionRuntime: the entry point for running Lit Actions. It validates the input (limits, code
 * size, jsParams), borrows a sandbox worker from the pool, lets a RunSession drive the execution,
 * returns the worker (or replaces it) and assembles the outcome with timings.
 */
import { basicAuthContext, type AuthContext } from "../auth/authContext";
import { ActionFailure } from "./actionFailure";
import type { HostValue } from "./hostRequest";
import { type ActionLimits, DEFAULT_LIMITS, resolveLimits } from "./limits";
import type { ActionTimings } from "./protocol";
import { type ActionHost, RunSession } from "./runSession";
import { checkRunInput, headerPairs } from "./runInput";
import { WorkerPool, type WorkerPoolStats } from "./workerPool";
import { availableParallelism } from "node:os";

export interface ActionRuntimeOptions {
  /** Worker threads (default: number of CPUs). Each runs one action at a time. */
  poolSize?: number;
  /** Defaults for every run; a run may override any field. */
  limits?: Partial<ActionLimits>;
  /**
   * Extra time past timeoutMs before a worker that does not report back is terminated (it is
   * stuck in a builtin that never consults the interrupt handler). Default 1000 ms.
   */
  watchdogGraceMs?: number;
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
}

const DEFAULT_WATCHDOG_GRACE_MS = 1000;

export class ActionRuntime {
  private readonly pool: WorkerPool;
  private readonly limits: ActionLimits;
  private readonly watchdogGraceMs: number;
  private nextRunId = 1;
  private runs = 0;
  private failures = 0;

  constructor(options: ActionRuntimeOptions = {}) {
    this.limits = resolveLimits(DEFAULT_LIMITS, options.limits);
    this.watchdogGraceMs = options.watchdogGraceMs ?? DEFAULT_WATCHDOG_GRACE_MS;
    if (!Number.isSafeInteger(this.watchdogGraceMs) || this.watchdogGraceMs < 0) {
      throw new ActionFailure("INVALID_LIMITS", "watchdogGraceMs must be a non-negative integer");
    }
    this.pool = new WorkerPool(options.poolSize ?? availableParallelism());
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
    return { ...this.pool.stats(), runs: this.runs, failures: this.failures };
  }

  /** Terminates all workers; runs still in progress fail with RUNTIME_CLOSED/RUNTIME_ERROR. */
  close(): Promise<void> {
    return this.pool.close();
  }

  private async execute(input: ActionRunInput, startedAt: number): Promise<ActionOutcome> {
    const limits = resolveLimits(this.limits, input.limits);
    const paramsJson = checkRunInput(input, limits);

    const worker = await this.pool.acquire();
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
    });
    try {
      const result = await session.run();
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
      this.pool.release(worker, session.mustReplaceWorker);
    }
  }
}
