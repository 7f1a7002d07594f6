/**
 * Main-thread side of ONE execution on a borrowed worker: posts the run, answers the sandbox's
 * host calls through the ActionHost, records signatures, enforces the limits that only the main
 * thread can see (signature count, fatal host errors) and runs the watchdog that kills a worker
 * which does not finish within timeoutMs + grace (e.g. stuck inside one long QuickJS builtin).
 *
 * The session's verdict wins over the worker's: once it has decided the run failed (fatal host
 * error, limit, watchdog), nothing the worker reports afterwards changes that.
 */
import type { AuthContext } from "../auth/authContext";
import { ActionFailure } from "./actionFailure";
import {
  type HostCallContext,
  type HostRequest,
  type HostValue,
  InvalidArgumentError,
  isSigningRequest,
  parseSandboxRequest,
  signsIntoOutcome,
} from "./hostRequest";
import { HostCallQueue } from "./hostCallQueue";
import type { ActionLimits } from "./limits";
import type {
  ChildAction,
  DoneMessage,
  FromWorkerMessage,
  HostCallMessage,
  ToWorkerMessage,
  WorkerTimings,
} from "./protocol";
import type { WorkerEvents } from "./workerPool";

/**
 * The sandbox a session drives: a pool's worker thread here (PooledWorker), a Web Worker in the
 * explorer's browser runner. The session needs only these.
 */
export interface SessionWorker {
  readonly alive: boolean;
  attach(events: WorkerEvents): void;
  detach(): void;
  post(message: ToWorkerMessage): void;
  /** Ends the sandbox at once (the watchdog's last resort). */
  readonly thread: { terminate(): unknown };
  /**
   * Asks the sandbox to stop run `runId` at its next interrupt check (memory shared with the
   * thread; see PooledWorker). Without it, a cancellation waits for the abort message.
   */
  cancel?(runId: number): void;
  /** Whether the sandbox confirmed that run `runId` stopped (without it: never confirmed). */
  stopped?(runId: number): boolean;
}

/** Answers the action's Lit.Actions calls. Keys and chain access live only here (main thread). */
export interface ActionHost {
  /**
   * Resolve with plain JSON data. Reject with an error carrying `fatal: true` and a string `code`
   * (see FatalHostError) to end the whole execution with that code, even if the action would catch
   * it; any other rejection becomes an ordinary catchable error inside the action.
   *
   * `context` names the action asking (a child of `Lit.Actions.call` has its own CID). Answers
   * with a shape of their own:
   * - `call` resolves `{ code }`: the stored code of `request.ipfsId` (the session starts it);
   * - `signAsAction` resolves `{ signOutput, signature }`: the string the action gets and the
   *   signature the outcome gets under `sigName`;
   * - `signEcdsa`, `ethPersonalSignMessageEcdsa` and `sign` resolve the outcome's signature (the
   *   action gets "success"); the combining calls resolve what the action gets.
   */
  call(request: HostRequest, context: HostCallContext): Promise<HostValue>;
}

/** Lit's limit on nested `Lit.Actions.call`s (datil's max_call_depth). */
export const MAX_CALL_DEPTH = 5;
/** Child actions one run may start in all (each is a context kept until the run ends). */
export const MAX_CHILD_ACTIONS = 100;

interface Frame extends HostCallContext {
  /** 0 for the action the run started with, +1 per nested call. */
  depth: number;
}

export interface SessionResult {
  response: string;
  logs: string;
  signatures: Record<string, HostValue>;
  workerTimings: WorkerTimings | undefined;
}

export interface SessionInput {
  runId: number;
  code: string;
  ipfsId: string;
  paramsJson: string;
  host: ActionHost;
  limits: ActionLimits;
  watchdogGraceMs: number;
  /** Lit.Auth of the action the run starts with. */
  auth: AuthContext;
  /** The client's request headers (Lit.Headers), name → value. */
  headers: Array<[string, string]>;
  /** How long a cancelled run's worker has to confirm the stop before it is terminated (default CANCEL_GRACE_MS). */
  cancelGraceMs?: number;
  /**
   * Where the run's host calls wait their turn on the main thread, shared by all runs (the
   * ActionRuntime's). Default: a queue of the session's own.
   */
  hostQueue?: HostCallQueue;
}

/**
 * After a cancellation, the time the worker has to report back before it is terminated (it is
 * inside a builtin that never consults the interrupt handler). Keeps "cancelled within 100 ms".
 */
export const CANCEL_GRACE_MS = 100;

export class RunSession {
  private failure: ActionFailure | undefined;
  private signingCalls = 0;
  /** sigNames in call order; a value appears once the host has produced it. */
  private readonly sigNames: string[] = [];
  private readonly sigValues = new Map<string, HostValue>();
  private finish: ((done: DoneMessage | undefined) => void) | undefined;
  private replaceWorker = false;
  /** The actions of this run by frame number (0: the one it started with). */
  private readonly frames = new Map<number, Frame>();
  private childActions = 0;
  private cancelTimer: ReturnType<typeof setTimeout> | undefined;
  /** The run was cancelled and its worker had to be terminated (it did not stop in time). */
  killedOnCancel = false;
  /** Host calls seen and the UTF-8 bytes of their arguments (the budget, checked again here). */
  private hostCalls = 0;
  private hostCallBytes = 0;

  private readonly hostQueue: HostCallQueue;

  constructor(
    private readonly worker: SessionWorker,
    private readonly input: SessionInput,
  ) {
    this.frames.set(0, {
      ipfsId: input.ipfsId,
      actionIpfsIdStack: [...input.auth.actionIpfsIdStack],
      depth: 0,
    });
    this.hostQueue = input.hostQueue ?? new HostCallQueue();
  }

  /** Runs to completion; throws ActionFailure. Never leaves listeners or timers behind. */
  async run(): Promise<SessionResult> {
    const { input, worker } = this;
    const finished = new Promise<DoneMessage | undefined>((resolve) => (this.finish = resolve));
    worker.attach({
      onMessage: (message) => this.onMessage(message),
      onExit: (reason) => {
        this.replaceWorker = true;
        this.failOnce(new ActionFailure("RUNTIME_ERROR", reason));
        this.finish?.(undefined);
      },
    });
    const watchdog = setTimeout(() => {
      // The worker ignored its own deadline (blocked inside WASM, or wedged): kill it.
      this.replaceWorker = true;
      this.failOnce(
        new ActionFailure(
          "ACTION_TIMEOUT",
          `action exceeded its ${input.limits.timeoutMs} ms time limit (sandbox worker killed)`,
        ),
      );
      void worker.thread.terminate();
      this.finish?.(undefined);
    }, input.limits.timeoutMs + input.watchdogGraceMs);

    let done: DoneMessage | undefined;
    try {
      worker.post({
        type: "run",
        runId: input.runId,
        code: input.code,
        ipfsId: input.ipfsId,
        paramsJson: input.paramsJson,
        contextJson: this.contextJson(input.auth),
        limits: input.limits,
      });
      done = await finished;
    } finally {
      clearTimeout(watchdog);
      clearTimeout(this.cancelTimer);
      this.finish = undefined; // over: a late cancel() is a no-op
      worker.detach();
      this.hostQueue.drop(input.runId);
    }

    if (done?.recycle) this.replaceWorker = true;
    const logs = done?.result.logs ?? "";
    if (this.failure) {
      throw new ActionFailure(this.failure.code, this.failure.message, { logs });
    }
    if (!done) throw new ActionFailure("RUNTIME_ERROR", "sandbox worker ended without a result");
    if (!done.result.ok) {
      throw new ActionFailure(done.result.code, done.result.message, { logs });
    }
    return {
      response: done.result.response,
      logs,
      signatures: this.collectSignatures(),
      workerTimings: done.timings,
    };
  }

  /**
   * Stops the run now with `failure` (CANCELLED, BUSY): the sandbox's interrupt handler sees the
   * shared flag at its next check; a worker that has not reported back within cancelGraceMs is
   * terminated (and replaced), so the run is over either way.
   */
  cancel(failure: ActionFailure): void {
    if (this.failure || this.finish === undefined) return;
    this.failOnce(failure);
    this.cancelTimer = setTimeout(() => {
      // Stopped (the message saying so may still be queued behind this timer): let it finish.
      if (this.worker.stopped?.(this.input.runId) === true) return;
      this.killedOnCancel = true;
      this.replaceWorker = true;
      void this.worker.thread.terminate();
      this.finish?.(undefined);
    }, this.input.cancelGraceMs ?? CANCEL_GRACE_MS);
  }

  /** Whether the worker must be discarded after this run (valid once run() settled). */
  get mustReplaceWorker(): boolean {
    return this.replaceWorker;
  }

  private onMessage(message: FromWorkerMessage): void {
    if (message.type === "done" && message.runId === this.input.runId) {
      this.finish?.(message);
    } else if (message.type === "stopping" && message.runId === this.input.runId) {
      // The action stopped at the cancellation flag: no need to kill its worker.
      clearTimeout(this.cancelTimer);
    } else if (message.type === "host-call" && message.runId === this.input.runId) {
      if (this.failure || !this.withinBudget(message)) return;
      this.hostQueue.enqueue(this.input.runId, () => this.answerHostCall(message));
    }
  }

  /**
   * The worker enforces the host-call budget before posting; the main thread, which does the
   * work, counts again (cheaply, before parsing anything) rather than trust it.
   */
  private withinBudget(message: HostCallMessage): boolean {
    const { maxHostCalls, hostCallBytes } = this.input.limits;
    this.hostCalls++;
    this.hostCallBytes += utf8Length(message.argsJson);
    if (this.hostCalls > maxHostCalls || this.hostCallBytes > hostCallBytes) {
      this.failOnce(
        new ActionFailure(
          "LIMIT_EXCEEDED",
          `host calls of this execution exceed the budget (${maxHostCalls} calls, ${hostCallBytes} bytes of arguments)`,
        ),
      );
      return false;
    }
    return true;
  }

  private async answerHostCall(message: HostCallMessage): Promise<void> {
    if (this.failure) return;
    const frame = this.frames.get(message.frame);
    if (frame === undefined) {
      this.failOnce(
        new ActionFailure("RUNTIME_ERROR", `host call from unknown frame ${message.frame}`),
      );
      return;
    }
    let request: HostRequest;
    try {
      const parsed = parseSandboxRequest(message.method, JSON.parse(message.argsJson) as unknown);
      if (parsed.method === "pubkeyToTokenId" || parsed.method === "aesDecrypt") {
        throw new InvalidArgumentError(`${parsed.method} is answered inside the sandbox`);
      }
      request = parsed;
      this.reserveSignature(request);
      if (request.method === "call") this.reserveChild(frame);
    } catch (error) {
      if (error instanceof ActionFailure) this.failOnce(error);
      else this.reject(message, error);
      return;
    }

    let value: HostValue;
    try {
      value = await this.input.host.call(request, {
        ipfsId: frame.ipfsId,
        actionIpfsIdStack: [...frame.actionIpfsIdStack],
      });
    } catch (error) {
      if (isFatalHostError(error)) {
        this.failOnce(new ActionFailure(error.code, errorMessage(error)));
      } else {
        this.reject(message, error);
      }
      return;
    }
    if (this.failure) return;

    if (request.method === "call") {
      this.startChild(message, request, frame, value);
      return;
    }
    let toSandbox: HostValue = value;
    if (request.method === "signAsAction") {
      const answer = value as { signOutput?: HostValue; signature?: HostValue } | null;
      this.sigValues.set(request.sigName, answer?.signature ?? null);
      toSandbox = answer?.signOutput ?? null;
    } else if (signsIntoOutcome(request)) {
      // Lit's signEcdsa/ethPersonalSignMessageEcdsa/sign give the action "success"; the signature
      // goes to the caller. The combining calls hand the combined signature to the action instead.
      this.sigValues.set(request.sigName, value);
      toSandbox = "success";
    }
    let json: string;
    try {
      json = JSON.stringify(toSandbox === undefined ? null : toSandbox);
    } catch (error) {
      this.failOnce(
        new ActionFailure(
          "HOST_ERROR",
          `host returned a value for ${request.method} that is not JSON: ${errorMessage(error)}`,
        ),
      );
      return;
    }
    this.reply(message, true, json);
  }

  /** Depth and count limits of Lit.Actions.call. */
  private reserveChild(frame: Frame): void {
    if (frame.depth + 1 > MAX_CALL_DEPTH) {
      throw new InvalidArgumentError(
        `call: more than ${MAX_CALL_DEPTH} nested Lit.Actions.call levels (Lit's limit)`,
      );
    }
    if (this.childActions >= MAX_CHILD_ACTIONS) {
      throw new ActionFailure(
        "LIMIT_EXCEEDED",
        `more than ${MAX_CHILD_ACTIONS} Lit.Actions.call child actions in one execution`,
      );
    }
    this.childActions++;
  }

  /** Answers a `call` with the child action the worker starts (see ChildAction). */
  private startChild(
    message: HostCallMessage,
    request: Extract<HostRequest, { method: "call" }>,
    parent: Frame,
    value: HostValue,
  ): void {
    const code = (value as { code?: unknown } | null)?.code;
    if (typeof code !== "string") {
      this.failOnce(
        new ActionFailure("HOST_ERROR", "the host answered Lit.Actions.call without code"),
      );
      return;
    }
    const codeBytes = new TextEncoder().encode(code).length;
    if (codeBytes > this.input.limits.codeBytes) {
      this.failOnce(
        new ActionFailure(
          "LIMIT_EXCEEDED",
          `Lit.Actions.call: action ${request.ipfsId} is ${codeBytes} bytes, more than the limit of ${this.input.limits.codeBytes}`,
        ),
      );
      return;
    }
    const id = this.frames.size;
    const frame: Frame = {
      ipfsId: request.ipfsId,
      actionIpfsIdStack: [...parent.actionIpfsIdStack, request.ipfsId],
      depth: parent.depth + 1,
    };
    this.frames.set(id, frame);
    const auth: AuthContext = {
      ...this.input.auth,
      actionIpfsIds: [request.ipfsId],
      actionIpfsIdStack: frame.actionIpfsIdStack,
    };
    const child: ChildAction = {
      frame: id,
      ipfsId: request.ipfsId,
      code,
      paramsJson: JSON.stringify(request.params),
      contextJson: this.contextJson(auth),
    };
    this.reply(message, true, JSON.stringify(child));
  }

  private contextJson(auth: AuthContext): string {
    return JSON.stringify({ auth, headers: this.input.headers });
  }

  /** Counts a signing call against maxSignatures and claims its sigName. */
  private reserveSignature(request: HostRequest): void {
    if (!isSigningRequest(request)) return;
    if (this.signingCalls >= this.input.limits.maxSignatures) {
      throw new ActionFailure(
        "LIMIT_EXCEEDED",
        `more than ${this.input.limits.maxSignatures} signatures requested in one execution`,
      );
    }
    if (signsIntoOutcome(request)) {
      if (this.sigNames.includes(request.sigName)) {
        throw new InvalidArgumentError(
          `${request.method}: sigName "${request.sigName}" is already used in this execution`,
        );
      }
      this.sigNames.push(request.sigName);
    }
    this.signingCalls++;
  }

  private collectSignatures(): Record<string, HostValue> {
    const signatures: Record<string, HostValue> = {};
    for (const name of this.sigNames) {
      const value = this.sigValues.get(name);
      // defineProperty, not assignment: a sigName "__proto__" must stay an ordinary key instead
      // of replacing the result object's prototype (which would also drop it from JSON).
      if (value !== undefined) {
        Object.defineProperty(signatures, name, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    return signatures;
  }

  /** A catchable rejection inside the sandbox. Only message and code cross the boundary. */
  private reject(message: HostCallMessage, error: unknown): void {
    const code =
      typeof error === "object" && error !== null && typeof Reflect.get(error, "code") === "string"
        ? (Reflect.get(error, "code") as string)
        : undefined;
    this.reply(message, false, JSON.stringify({ message: errorMessage(error), code }));
  }

  private reply(message: HostCallMessage, ok: boolean, json: string): void {
    if (this.failure || !this.worker.alive) return;
    this.worker.post({
      type: "host-result",
      runId: message.runId,
      callId: message.callId,
      ok,
      json,
    });
  }

  private failOnce(failure: ActionFailure): void {
    if (this.failure) return;
    this.failure = failure;
    // The flag stops a synchronous loop (which never reads the abort message) at once.
    this.worker.cancel?.(this.input.runId);
    if (this.worker.alive) this.worker.post({ type: "abort", runId: this.input.runId });
  }
}

function isFatalHostError(error: unknown): error is { fatal: true; code: string } {
  return (
    typeof error === "object" &&
    error !== null &&
    Reflect.get(error, "fatal") === true &&
    typeof Reflect.get(error, "code") === "string"
  );
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null) {
    const message: unknown = Reflect.get(error, "message");
    if (typeof message === "string") return message;
  }
  return String(error);
}

/** UTF-8 size of `text` (no Buffer: this module also runs in the explorer's browser). */
function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}
