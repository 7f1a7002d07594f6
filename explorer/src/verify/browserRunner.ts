/**
 * The ActionRunner of the explorer's page (src/proof/replay.ts): what the oracle's ActionRuntime
 * is on worker threads, on a Web Worker. The same input checks (runInput.ts), the same limits, the
 * same RunSession (host calls, signature limits, the watchdog); only the transport differs.
 */
import type { ActionOutcome, ActionRunInput } from "../../../src/oracle/runtime/actionRuntime";
import { ActionFailure } from "../../../src/oracle/runtime/actionFailure";
import { DEFAULT_LIMITS, resolveLimits } from "../../../src/oracle/runtime/limits";
import type { FromWorkerMessage, ToWorkerMessage } from "../../../src/oracle/runtime/protocol";
import { basicAuthContext } from "../../../src/oracle/auth/authContext";
import { checkRunInput, headerPairs } from "../../../src/oracle/runtime/runInput";
import { RunSession, type SessionWorker } from "../../../src/oracle/runtime/runSession";
import type { WorkerEvents } from "../../../src/oracle/runtime/workerPool";
import type { ActionRunner } from "../../../src/proof/replay";

const WORKER_URL = "/app/sandbox-worker.js";
const WATCHDOG_GRACE_MS = 1_000;

/** One Web Worker running the oracle's sandbox, as a RunSession sees it. */
class SandboxWebWorker implements SessionWorker {
  private events: WorkerEvents | undefined;
  private exited = false;
  readonly ready: Promise<void>;
  readonly thread: { terminate(): void };
  private readonly worker: Worker;

  constructor() {
    this.worker = new Worker(WORKER_URL);
    this.thread = {
      terminate: () => {
        this.exited = true;
        this.worker.terminate();
      },
    };
    let markReady: () => void = () => undefined;
    let failBoot: (error: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failBoot = reject;
    });
    this.ready.catch(() => undefined);
    this.worker.addEventListener("message", (event: MessageEvent<FromWorkerMessage>) => {
      if (event.data.type === "ready") markReady();
      else this.events?.onMessage(event.data);
    });
    this.worker.addEventListener("error", (event: ErrorEvent) => {
      event.preventDefault();
      this.exited = true;
      const reason = `sandbox worker crashed: ${event.message || "could not start"}`;
      failBoot(new Error(reason));
      this.events?.onExit(reason);
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
    this.worker.postMessage(message);
  }
}

export class BrowserActionRunner implements ActionRunner {
  private worker: SandboxWebWorker | undefined;
  private nextRunId = 1;

  async run(input: ActionRunInput): Promise<ActionOutcome> {
    const started = performance.now();
    const limits = resolveLimits(DEFAULT_LIMITS, input.limits);
    const paramsJson = checkRunInput(input, limits);
    const worker = (this.worker ??= new SandboxWebWorker());
    try {
      await worker.ready;
    } catch (error) {
      this.close();
      throw new ActionFailure(
        "RUNTIME_ERROR",
        `sandbox worker failed to start: ${(error as Error).message}`,
      );
    }
    const dispatched = performance.now();
    const session = new RunSession(worker, {
      runId: this.nextRunId++,
      code: input.code,
      ipfsId: input.ipfsId,
      paramsJson,
      host: input.host,
      limits,
      watchdogGraceMs: WATCHDOG_GRACE_MS,
      auth: input.auth ?? basicAuthContext(input.ipfsId, undefined),
      headers: headerPairs(input.headers),
    });
    try {
      const result = await session.run();
      const timings = result.workerTimings;
      return {
        response: result.response,
        logs: result.logs,
        signatures: result.signatures,
        timings: {
          queueMs: dispatched - started,
          dispatchMs: 0,
          sandboxCreateMs: timings?.sandboxCreateMs ?? 0,
          evalMs: timings?.evalMs ?? 0,
          hostWaitMs: timings?.hostWaitMs ?? 0,
          hostCalls: timings?.hostCalls ?? 0,
          totalMs: performance.now() - started,
        },
      };
    } finally {
      if (session.mustReplaceWorker || !worker.alive) this.close();
    }
  }

  /** Ends the worker (a later run starts a new one). */
  close(): void {
    this.worker?.thread.terminate();
    this.worker = undefined;
  }
}
