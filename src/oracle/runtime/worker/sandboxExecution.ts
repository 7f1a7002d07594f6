/**
 * One Lit Action execution inside a FRESH QuickJS runtime + context (worker side).
 *
 * Lifecycle: create runtime (interrupt handler) → context → natives → prelude (Lit.Actions,
 * console, timers) — all of which `prepare()` may do before the run is known, so the worker
 * builds its next sandbox while idle — then, when the run starts: the run's memory/stack limits
 * → jsParams → evaluate the code → drive the event loop
 * (drain QuickJS jobs; while host calls or timers are in flight, wait for them) → read the
 * result → dispose every deferred, drain leftover jobs, dispose context and runtime.
 *
 * A prepared sandbox is exactly what a sandbox created at run start would be (no action code,
 * no parameters, nothing of any other run), and it serves one run only.
 *
 * The execution is over when the top-level code, every job it queued, and every host call and
 * timer it started have finished. If the code's completion value is a promise (the usual
 * `(async () => { ... })()` / `go();` forms), its rejection is the action's error. Code using
 * top-level `await` is a SyntaxError as a script; it is then run wrapped in an async function.
 *
 * If anything leaves the QuickJS module possibly damaged (a host exception escaping the WASM
 * code, a failing dispose, jobs that cannot be drained), the report says `recycle` and the
 * worker is replaced instead of reused.
 */
import type {
  QuickJSContext,
  QuickJSDeferredPromise,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSWASMModule,
} from "quickjs-emscripten";
import { InvalidArgumentError, parseSandboxRequest, pubkeyToTokenId } from "../hostRequest";
import { LIMIT_BOUNDS } from "../limits";
import type { FromWorkerMessage, RunMessage, RunResult, WorkerTimings } from "../protocol";
import { LAZY_PRELUDE_SOURCES, PRELUDE_SOURCE } from "./sandboxPrelude";

export interface ExecutionReport {
  result: RunResult;
  timings: WorkerTimings;
  recycle: boolean;
}

interface Failure {
  code: string;
  message: string;
}

/** Host calls + timers one action may have in flight at once; more is a runaway action. */
const MAX_PENDING_OPERATIONS = 1024;
/**
 * Largest argument list (JSON, in UTF-16 code units) one host call may carry. Real calls carry a
 * digest, a key, a CID or a message of a few KiB; the main thread parses what passes here, so a
 * multi-MB argument would stall it for every other request.
 */
export const MAX_HOST_CALL_ARGS = 64 * 1024;
/** Jobs run per executePendingJobs call before re-checking the deadline and abort flag. */
const JOB_BATCH = 1000;
/** Upper bound of leftover jobs run (all interrupted) while tearing down. */
const TEARDOWN_JOB_BATCHES = 100;
const MAX_ERROR_MESSAGE = 4096;
const MAX_TIMER_MS = 2 ** 31 - 1;

export class SandboxExecution {
  private startedAt = performance.now();
  /** No deadline before the run starts: no action code runs before then. */
  private deadline = Number.POSITIVE_INFINITY;
  private runMessage: RunMessage | undefined;
  /** The prelude's start(paramsJson), called when the run begins. */
  private start: QuickJSHandle | undefined;
  private readonly pendingHostCalls = new Map<number, QuickJSDeferredPromise>();
  private readonly pendingSleeps = new Map<
    number,
    { deferred: QuickJSDeferredPromise; timer: ReturnType<typeof setTimeout> }
  >();
  private nextCallId = 1;
  private failure: Failure | undefined;
  private tearingDown = false;
  private recycle = false;
  private response = "";
  private logs = "";
  private logBytes = 0;
  private wake: (() => void) | undefined;
  private readonly timings: WorkerTimings = {
    startedAtEpochMs: 0,
    sandboxCreateMs: 0,
    evalMs: 0,
    hostWaitMs: 0,
    hostCalls: 0,
  };

  private runtime: QuickJSRuntime | undefined;
  private context: QuickJSContext | undefined;

  /** Host calls made and UTF-8 bytes of their arguments, against the run's budget. */
  private hostCallBytes = 0;

  /**
   * `isCancelled(runId)` reads the flag the main thread sets (shared memory) to stop a run at
   * once: it is consulted by the interrupt handler, so it stops even a synchronous loop that
   * never lets this thread read a message.
   */
  constructor(
    private readonly quickjs: QuickJSWASMModule,
    private readonly post: (message: FromWorkerMessage) => void,
    private readonly isCancelled: (runId: number) => boolean = () => false,
    private readonly acknowledge: (runId: number) => void = () => undefined,
  ) {}

  /** The run being executed (only natives and the event loop use it, i.e. after execute()). */
  private get run(): RunMessage {
    if (this.runMessage === undefined) throw new Error("the sandbox has no run yet");
    return this.runMessage;
  }

  /**
   * Builds the sandbox ahead of its run. False if that failed (or left the module in doubt): the
   * caller then discards this execution with `discard()` and builds one at run start instead.
   */
  prepare(): boolean {
    try {
      this.createSandbox();
    } catch {
      this.recycle = true;
    }
    return this.failure === undefined && !this.recycle;
  }

  /** Frees a prepared sandbox that will not run; true if the worker can go on using QuickJS. */
  discard(): boolean {
    this.tearingDown = true;
    this.teardown();
    return !this.recycle;
  }

  /** Never throws: every outcome, including host-side breakage, becomes a report. */
  async execute(run: RunMessage): Promise<ExecutionReport> {
    this.runMessage = run;
    this.startedAt = performance.now();
    this.timings.startedAtEpochMs = performance.timeOrigin + this.startedAt;
    this.deadline = this.startedAt + run.limits.timeoutMs;
    let completion: QuickJSHandle | undefined;
    try {
      const createStart = performance.now();
      const context = this.context ?? this.createSandbox();
      this.startRun(context);
      this.timings.sandboxCreateMs = performance.now() - createStart;
      if (!this.failure) completion = this.timed(() => this.evaluateAction(context));
      await this.driveEventLoop();
      if (!this.failure && completion) this.checkCompletion(context, completion);
    } catch (error) {
      // A host exception escaped QuickJS (e.g. RangeError from the WASM stack): the module's
      // state is unknown, so this worker must not run anything else.
      this.recycle = true;
      this.fail("ACTION_ERROR", `sandbox failure: ${describeHostError(error)}`, true);
    } finally {
      if (completion?.alive) completion.dispose();
      this.teardown();
    }
    const result: RunResult = this.failure
      ? { ok: false, ...this.failure, logs: this.logs }
      : { ok: true, response: this.response, logs: this.logs };
    return { result, timings: this.timings, recycle: this.recycle };
  }

  /** The main thread answered a host call. */
  onHostResult(callId: number, ok: boolean, json: string): void {
    const deferred = this.pendingHostCalls.get(callId);
    const context = this.context;
    if (!deferred || !context || this.failure) return;
    this.pendingHostCalls.delete(callId);
    this.settle(context, deferred, ok, json);
  }

  /** The main thread decided the run is over (fatal host error or limit it enforces). */
  abort(): void {
    this.fail("ABORTED", "aborted by the host");
    if (this.runMessage !== undefined) {
      this.acknowledge(this.runMessage.runId);
      this.post({ type: "stopping", runId: this.runMessage.runId });
    }
  }

  // ---- setup -----------------------------------------------------------------------------------

  private createSandbox(): QuickJSContext {
    const runtime = this.quickjs.newRuntime();
    this.runtime = runtime;
    // The smallest limits any run may have: whatever run gets this sandbox, its setup fit in
    // that run's limits, as if it had been built under them. The run's own limits follow.
    runtime.setMemoryLimit(LIMIT_BOUNDS.memoryBytes[0]);
    runtime.setMaxStackSize(LIMIT_BOUNDS.stackBytes[0]);
    // Consulted every few thousand QuickJS operations; returning true throws an uncatchable
    // "interrupted" error. Blocking builtins (one huge allocation, a long indexOf) do not consult
    // it; the main thread's watchdog covers those by terminating the worker.
    runtime.setInterruptHandler(
      () =>
        this.tearingDown ||
        this.failure !== undefined ||
        performance.now() > this.deadline ||
        this.cancelledNow(),
    );
    const context = runtime.newContext();
    this.context = context;

    const natives = context.newObject();
    const lazySources = context.newObject();
    try {
      this.installNatives(context, natives);
      for (const [name, source] of Object.entries(LAZY_PRELUDE_SOURCES)) {
        const handle = context.newString(source);
        context.setProp(lazySources, name, handle);
        handle.dispose();
      }
      const prelude = context.evalCode(PRELUDE_SOURCE, "lit-actions-prelude.js");
      const installer = context.unwrapResult(prelude);
      const installed = context.callFunction(installer, context.undefined, natives, lazySources);
      installer.dispose();
      if (installed.error) {
        this.failWith(context, installed.error, "prelude failed");
      } else {
        this.start = installed.value;
      }
    } finally {
      natives.dispose();
      lazySources.dispose();
    }
    return context;
  }

  /** The run's limits, then its jsParams (the prelude's start). */
  private startRun(context: QuickJSContext): void {
    const start = this.start;
    this.start = undefined;
    if (this.failure || start === undefined) {
      start?.dispose();
      return;
    }
    const { limits, paramsJson } = this.run;
    this.runtime?.setMemoryLimit(limits.memoryBytes);
    this.runtime?.setMaxStackSize(limits.stackBytes);
    const params = context.newString(paramsJson);
    const started = context.callFunction(start, context.undefined, params);
    start.dispose();
    params.dispose();
    if (started.error) this.failWith(context, started.error, "prelude failed");
    else started.value.dispose();
  }

  private installNatives(context: QuickJSContext, natives: QuickJSHandle): void {
    const define = (
      name: string,
      fn: (...args: QuickJSHandle[]) => QuickJSHandle | { error: QuickJSHandle } | void,
    ) => {
      const handle = context.newFunction(name, fn);
      context.setProp(natives, name, handle);
      handle.dispose();
    };

    define("hostCall", (methodHandle, argsHandle) => {
      const method = context.getString(methodHandle);
      // The length is read before the text is copied out: copying a huge string (a rope of
      // 64 Mi characters costs QuickJS almost nothing to build) would itself be the attack.
      const length = stringLength(context, argsHandle);
      if (length > MAX_HOST_CALL_ARGS) {
        this.fail(
          "LIMIT_EXCEEDED",
          `Lit.Actions.${method}: its arguments are ${length} characters as JSON, more than the limit of ${MAX_HOST_CALL_ARGS}`,
        );
        return { error: context.newError("host call arguments too large") };
      }
      const { maxHostCalls, hostCallBytes } = this.run.limits;
      if (this.timings.hostCalls >= maxHostCalls) {
        this.fail(
          "LIMIT_EXCEEDED",
          `Lit.Actions.${method}: more than ${maxHostCalls} host calls in one execution`,
        );
        return { error: context.newError("host call budget exhausted") };
      }
      const argsJson = context.getString(argsHandle);
      const bytes = utf8Length(argsJson);
      if (this.hostCallBytes + bytes > hostCallBytes) {
        this.fail(
          "LIMIT_EXCEEDED",
          `Lit.Actions.${method}: host-call arguments of this execution exceed ${hostCallBytes} bytes in total`,
        );
        return { error: context.newError("host call budget exhausted") };
      }
      if (!this.reserveOperationSlot()) return { error: context.newError("run is over") };
      this.hostCallBytes += bytes;
      const callId = this.nextCallId++;
      const deferred = context.newPromise();
      this.pendingHostCalls.set(callId, deferred);
      this.timings.hostCalls++;
      this.post({ type: "host-call", runId: this.run.runId, callId, method, argsJson });
      return deferred.handle;
    });

    define("localCall", (methodHandle, argsHandle) => {
      const method = context.getString(methodHandle);
      const argsJson = context.getString(argsHandle);
      try {
        const request = parseSandboxRequest(method, JSON.parse(argsJson));
        if (request.method !== "pubkeyToTokenId") throw new InvalidArgumentError("not local");
        return context.newString(JSON.stringify(pubkeyToTokenId(request.publicKey)));
      } catch (error) {
        const code = error instanceof InvalidArgumentError ? error.code : "ACTION_ERROR";
        const message = error instanceof Error ? error.message : String(error);
        return { error: context.newString(JSON.stringify({ message, code })) };
      }
    });

    define("setResponse", (responseHandle) => {
      const limit = this.run.limits.responseBytes;
      // A string of n UTF-16 units is at least n UTF-8 bytes: refuse before copying it out.
      const length = stringLength(context, responseHandle);
      const response = length > limit ? undefined : context.getString(responseHandle);
      const size = response === undefined ? length : utf8Length(response);
      if (response === undefined || size > limit) {
        this.fail(
          "LIMIT_EXCEEDED",
          `response is ${response === undefined ? "at least " : ""}${size} bytes, more than the limit of ${limit}`,
        );
        return { error: context.newError("response limit exceeded") };
      }
      this.response = response;
    });

    define("log", (lineHandle) => {
      const limit = this.run.limits.logBytes;
      const length = stringLength(context, lineHandle);
      const line = this.logBytes + length > limit ? undefined : context.getString(lineHandle);
      const size = line === undefined ? length : utf8Length(line);
      if (line === undefined || this.logBytes + size > limit) {
        this.fail("LIMIT_EXCEEDED", `logs exceed the limit of ${limit} bytes`);
        return { error: context.newError("log limit exceeded") };
      }
      this.logBytes += size;
      this.logs += line;
    });

    define("sleep", (idHandle, msHandle) => {
      const id = context.getNumber(idHandle);
      const ms = Math.min(Math.max(context.getNumber(msHandle) || 0, 0), MAX_TIMER_MS);
      if (!this.reserveOperationSlot()) return { error: context.newError("run is over") };
      const deferred = context.newPromise();
      const timer = setTimeout(() => {
        this.pendingSleeps.delete(id);
        if (!this.failure) this.settle(context, deferred, true, undefined);
        else deferred.dispose();
      }, ms);
      this.pendingSleeps.set(id, { deferred, timer });
      return deferred.handle;
    });

    define("cancelSleep", (idHandle) => {
      const id = context.getNumber(idHandle);
      const sleep = this.pendingSleeps.get(id);
      if (!sleep) return;
      clearTimeout(sleep.timer);
      sleep.deferred.dispose(); // the sandbox promise simply never settles
      this.pendingSleeps.delete(id);
    });

    define("fail", (messageHandle) => {
      this.fail("ACTION_ERROR", truncate(context.getString(messageHandle)));
      return { error: context.newError("execution failed") };
    });
  }

  /**
   * Whether the main thread cancelled this run (shared flag). The first time, the run fails
   * and the main thread hears at once that the action stopped, so it need not kill the worker.
   */
  private cancelledNow(): boolean {
    const run = this.runMessage;
    if (run === undefined || !this.isCancelled(run.runId)) return false;
    if (this.failure === undefined) {
      this.fail("CANCELLED", "cancelled by the host");
      this.acknowledge(run.runId);
      this.post({ type: "stopping", runId: run.runId });
    }
    return true;
  }

  /** false (and a failure) when the action has too many host calls/timers in flight. */
  private reserveOperationSlot(): boolean {
    if (this.failure) return false;
    if (this.pendingHostCalls.size + this.pendingSleeps.size >= MAX_PENDING_OPERATIONS) {
      this.fail(
        "LIMIT_EXCEEDED",
        `more than ${MAX_PENDING_OPERATIONS} host calls and timers in flight at once`,
      );
      return false;
    }
    return true;
  }

  // ---- running ---------------------------------------------------------------------------------

  private evaluateAction(context: QuickJSContext): QuickJSHandle | undefined {
    const filename = `lit-action-${this.run.ipfsId || "inline"}.js`;
    const asScript = context.evalCode(this.run.code, filename, { type: "global" });
    if (!asScript.error) return asScript.value;

    if (!this.failure && isTopLevelAwaitCandidate(context, asScript.error, this.run.code)) {
      // Top-level await: same code as the body of an async arrow function. The prefix shares the
      // first line so reported line numbers stay those of the action.
      const wrapped = `(async () => {${this.run.code}\n})()`;
      const asAsync = context.evalCode(wrapped, filename, { type: "global" });
      if (!asAsync.error) {
        asScript.error.dispose();
        return asAsync.value;
      }
      asAsync.error.dispose();
    }
    this.failWith(context, asScript.error);
    return undefined;
  }

  /** Runs queued jobs; waits for host results/timers while any are in flight. */
  private async driveEventLoop(): Promise<void> {
    const runtime = this.runtime;
    const context = this.context;
    if (!runtime || !context) return;
    while (!this.failure) {
      this.timed(() => this.drainJobs(runtime, context));
      if (this.failure) return;
      if (this.pendingHostCalls.size === 0 && this.pendingSleeps.size === 0) return;
      if (performance.now() > this.deadline) {
        this.fail("ACTION_TIMEOUT", this.timeoutMessage());
        return;
      }
      const waitStart = performance.now();
      await this.nextWake();
      this.timings.hostWaitMs += performance.now() - waitStart;
    }
  }

  private drainJobs(runtime: QuickJSRuntime, context: QuickJSContext): void {
    while (!this.failure && runtime.hasPendingJob()) {
      const result = runtime.executePendingJobs(JOB_BATCH);
      if (result.error) {
        // Promise jobs turn ordinary exceptions into rejections; what reaches us here is an
        // uncatchable one: interrupted (deadline/abort) or out of memory.
        this.failWith(context, result.error);
        return;
      }
      if (performance.now() > this.deadline) {
        this.fail("ACTION_TIMEOUT", this.timeoutMessage());
        return;
      }
    }
  }

  private nextWake(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => this.wake?.(),
        Math.max(0, Math.ceil(this.deadline - performance.now())),
      );
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private settle(
    context: QuickJSContext,
    deferred: QuickJSDeferredPromise,
    ok: boolean,
    json: string | undefined,
  ): void {
    try {
      const value = json === undefined ? context.undefined : context.newString(json);
      if (ok) deferred.resolve(value);
      else deferred.reject(value);
      if (value !== context.undefined) value.dispose();
    } catch (error) {
      // Allocation in a full heap can fail here; treat like any other out-of-memory.
      this.fail("ACTION_MEMORY_LIMIT", `could not deliver a result: ${describeHostError(error)}`);
    } finally {
      if (deferred.alive) deferred.dispose();
    }
    this.wake?.();
  }

  private checkCompletion(context: QuickJSContext, completion: QuickJSHandle): void {
    const state = context.getPromiseState(completion);
    if (state.type === "fulfilled") {
      if (!state.notAPromise) state.value.dispose();
    } else if (state.type === "rejected") {
      this.failWith(context, state.error, "Uncaught (in promise)");
    } else {
      this.fail(
        "ACTION_ERROR",
        "the action's top-level promise never settled (it awaits something that cannot finish)",
      );
    }
  }

  // ---- failures --------------------------------------------------------------------------------

  private fail(code: string, message: string, override = false): void {
    if (this.failure && !override) return;
    this.failure = { code, message };
    this.wake?.();
  }

  /** Classifies a QuickJS exception (and disposes its handle). */
  private failWith(context: QuickJSContext, errorHandle: QuickJSHandle, prefix?: string): void {
    if (this.failure) {
      errorHandle.dispose();
      return;
    }
    // When QuickJS cannot even allocate the InternalError for "out of memory", it throws null
    // instead. An action that literally throws null is therefore reported as out of memory too.
    const isNull = context.sameValue(errorHandle, context.null);
    const { name, message } = describeSandboxError(context, errorHandle);
    if (errorHandle.alive) errorHandle.dispose();
    if (
      performance.now() > this.deadline ||
      (name === "InternalError" && message === "interrupted")
    ) {
      this.fail("ACTION_TIMEOUT", this.timeoutMessage());
    } else if (isNull || (name === "InternalError" && message === "out of memory")) {
      this.fail(
        "ACTION_MEMORY_LIMIT",
        `out of memory: the action exceeded its ${this.runMessage?.limits.memoryBytes ?? LIMIT_BOUNDS.memoryBytes[0]}-byte heap limit`,
      );
    } else {
      // Stack overflow ("InternalError: stack overflow") deliberately lands here: it is a bug in
      // the action (usually unbounded recursion), not resource exhaustion of the oracle.
      const text = name ? `${name}: ${message}` : message;
      this.fail("ACTION_ERROR", truncate(prefix ? `${prefix} ${text}` : text));
    }
  }

  private timeoutMessage(): string {
    return `action exceeded its ${this.runMessage?.limits.timeoutMs ?? "(no run yet)"} ms time limit`;
  }

  // ---- teardown --------------------------------------------------------------------------------

  private teardown(): void {
    this.wake = undefined;
    if (this.start?.alive) this.start.dispose();
    this.start = undefined;
    // Every deferred must be disposed before its context, or freeing the context aborts.
    for (const deferred of this.pendingHostCalls.values()) deferred.dispose();
    this.pendingHostCalls.clear();
    for (const { deferred, timer } of this.pendingSleeps.values()) {
      clearTimeout(timer);
      deferred.dispose();
    }
    this.pendingSleeps.clear();

    const runtime = this.runtime;
    const context = this.context;
    if (!runtime) return;
    try {
      // Leftover jobs keep objects alive and make JS_FreeRuntime abort. With tearingDown set,
      // the interrupt handler stops each one almost at once, which ends endless chains.
      this.tearingDown = true;
      for (let i = 0; i < TEARDOWN_JOB_BATCHES && runtime.hasPendingJob(); i++) {
        const result = runtime.executePendingJobs(JOB_BATCH);
        if (result.error) result.error.dispose();
      }
      if (runtime.hasPendingJob()) {
        // Cannot free safely; leak it with the worker, which is about to be replaced.
        this.recycle = true;
        return;
      }
      context?.dispose();
      runtime.dispose();
    } catch {
      this.recycle = true;
    }
  }

  private timed<T>(fn: () => T): T {
    const start = performance.now();
    try {
      return fn();
    } finally {
      this.timings.evalMs += performance.now() - start;
    }
  }
}

/**
 * The `length` of a sandbox string without copying it out of QuickJS (a string the sandbox built
 * as a rope may be far larger than what copying it could allocate; the copy would fail silently).
 */
function stringLength(context: QuickJSContext, handle: QuickJSHandle): number {
  const lengthHandle = context.getProp(handle, "length");
  try {
    const length = context.getNumber(lengthHandle);
    return Number.isFinite(length) ? length : Number.POSITIVE_INFINITY;
  } finally {
    lengthHandle.dispose();
  }
}

function isTopLevelAwaitCandidate(
  context: QuickJSContext,
  errorHandle: QuickJSHandle,
  code: string,
): boolean {
  if (!/\bawait\b/.test(code)) return false;
  return describeSandboxError(context, errorHandle).name === "SyntaxError";
}

/** name + message of a thrown sandbox value, without trusting its shape. */
function describeSandboxError(
  context: QuickJSContext,
  errorHandle: QuickJSHandle,
): { name: string; message: string } {
  try {
    const dumped = dumpCopy(context, errorHandle);
    if (typeof dumped === "object" && dumped !== null && "message" in dumped) {
      const { name, message } = dumped as { name?: unknown; message?: unknown };
      return { name: typeof name === "string" ? name : "", message: String(message) };
    }
    return { name: "", message: `Uncaught ${safeJson(dumped)}` };
  } catch {
    return { name: "", message: "Uncaught exception (could not be described)" };
  }
}

/**
 * context.dump() disposes promise handles but not others; dumping a duplicate and always
 * disposing it keeps the caller's handle intact and leaks nothing (a leak aborts JS_FreeRuntime).
 */
function dumpCopy(context: QuickJSContext, handle: QuickJSHandle): unknown {
  const copy = handle.dup();
  try {
    return context.dump(copy) as unknown;
  } finally {
    if (copy.alive) copy.dispose();
  }
}

function safeJson(value: unknown): string {
  try {
    return typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

function describeHostError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** UTF-8 size of `text` (no Buffer: this module also runs in the explorer's browser Web Worker). */
function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

function truncate(message: string): string {
  return message.length > MAX_ERROR_MESSAGE
    ? `${message.slice(0, MAX_ERROR_MESSAGE)}… (truncated)`
    : message;
}
