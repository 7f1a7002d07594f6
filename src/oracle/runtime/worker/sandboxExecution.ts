/**
 * One Lit Action execution inside a FRESH QuickJS runtime (worker side).
 *
 * Lifecycle: create runtime (interrupt handler) → the root context → natives → prelude (Lit's
 * globals, console, timers) — all of which `prepare()` may do before the run is known, so the
 * worker builds its next sandbox while idle — then, when the run starts: the run's memory/stack
 * limits → Lit.Auth, headers and jsParams → evaluate the code → drive the event loop (drain
 * QuickJS jobs; while host calls, timers or child actions are in flight, wait for them) → read
 * the result → dispose every deferred, drain leftover jobs, dispose contexts and runtime.
 *
 * A prepared sandbox is exactly what a sandbox created at run start would be (no action code,
 * no parameters, nothing of any other run), and it serves one run only.
 *
 * `Lit.Actions.call` runs a child action in a new context of the same runtime (SandboxFrame):
 * its own globals, the run's budget. The main thread answers the `call` host call with the
 * child's code (ChildAction); the child's response settles the parent's promise.
 *
 * The execution is over when the top-level code, every job it queued, and every host call,
 * timer and child action it started have finished. If the code's completion value is a promise
 * (the usual `(async () => { ... })()` / `go();` forms), its rejection is the action's error.
 * Code using top-level `await` is a SyntaxError as a script; it is then run wrapped in an async
 * function.
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
import {
  InvalidArgumentError,
  aesDecrypt,
  parseSandboxRequest,
  pubkeyToTokenId,
} from "../hostRequest";
import { LIMIT_BOUNDS } from "../limits";
import type {
  ChildAction,
  FromWorkerMessage,
  RunMessage,
  RunResult,
  WorkerTimings,
} from "../protocol";
import { installPureNatives, type SandboxNatives } from "./pureNatives";
import { LAZY_PRELUDE_SOURCES, PRELUDE_SOURCE } from "./sandboxPrelude";
import { SandboxFrame } from "./sandboxFrame";

export interface ExecutionReport {
  result: RunResult;
  timings: WorkerTimings;
  recycle: boolean;
  /**
   * For a run on a sandbox image (sandboxImage.ts): "restore" when the image's runtime is as the
   * run left it and its memory must be restored before the next run; "lost" when the run freed
   * it (a run with child actions, or one that failed to tear down): the image must be rebuilt.
   */
  image?: "restore" | "lost";
}

/**
 * What a sandbox image keeps of the sandbox it was made from: the runtime, its root context and
 * the prelude's start function (never disposed while the image lives), and the root context's
 * native binding, which each run points at itself.
 */
export interface SandboxTemplate {
  readonly runtime: QuickJSRuntime;
  readonly context: QuickJSContext;
  readonly start: QuickJSHandle;
  readonly binding: NativeBinding;
}

/**
 * What one context's natives act on. A context made for one run is bound once; an image's root
 * context outlives its runs, so each run rebinds it to its own execution and root frame.
 */
export interface NativeBinding {
  execution: SandboxExecution;
  frame: SandboxFrame;
}

/** What a sandbox image compiles ahead of its runs (the prelude's start.warm). */
export interface WarmSpec {
  parts: readonly string[];
  ethersUtils: readonly string[];
}

interface Failure {
  code: string;
  message: string;
}

interface PendingHostCall {
  frame: SandboxFrame;
  deferred: QuickJSDeferredPromise;
  method: string;
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
  private readonly pendingHostCalls = new Map<number, PendingHostCall>();
  private readonly pendingSleeps = new Map<
    string,
    { frame: SandboxFrame; deferred: QuickJSDeferredPromise; timer: ReturnType<typeof setTimeout> }
  >();
  /** Every frame created, root first; contexts are disposed in reverse order. */
  private readonly frames: SandboxFrame[] = [];
  /** Child frames not done yet, oldest first. */
  private readonly activeChildren: SandboxFrame[] = [];
  private nextCallId = 1;
  private failure: Failure | undefined;
  private tearingDown = false;
  private recycle = false;
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
  /** The root context's binding (rebound by the next run when this sandbox is an image). */
  private rootBinding: NativeBinding | undefined;
  /** The image this run borrowed its runtime and root context from (adopt). */
  private template: SandboxTemplate | undefined;
  /** The run left the image's runtime to be restored (teardown), not torn down. */
  private keptImage = false;

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
    private readonly natives: SandboxNatives = {},
    private readonly isCancelled: (runId: number) => boolean = () => false,
    private readonly acknowledge: (runId: number) => void = () => undefined,
    private readonly heapInUse?: () => number,
  ) {}

  /** heapInUse() when the run started (its sandbox built): the run's own use is above it. */
  private heapAtStart: number | undefined;

  /** The run being executed (only natives and the event loop use it, i.e. after execute()). */
  private get run(): RunMessage {
    if (this.runMessage === undefined) throw new Error("the sandbox has no run yet");
    return this.runMessage;
  }

  private get root(): SandboxFrame | undefined {
    return this.frames[0];
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

  /**
   * Builds this sandbox to be imaged: the root context with its prelude, then `warm` compiled
   * in it, under `memoryBytes` (the least any run served by the image may have). Undefined if
   * that failed; the caller then discards this execution. The execution itself never runs.
   */
  buildTemplate(warm: WarmSpec, memoryBytes: number): SandboxTemplate | undefined {
    try {
      const root = this.createSandbox();
      const runtime = this.runtime as QuickJSRuntime;
      const start = root.start;
      if (this.failure || root.failure !== undefined || start === undefined) return undefined;
      runtime.setMemoryLimit(memoryBytes);
      const { context } = root;
      const warmFn = context.getProp(start, "warm");
      const spec = context.newString(JSON.stringify(warm));
      const warmed = context.callFunction(warmFn, start, spec);
      warmFn.dispose();
      spec.dispose();
      if (warmed.error) {
        warmed.error.dispose();
        return undefined;
      }
      warmed.value.dispose();
      if (runtime.hasPendingJob()) return undefined;
      runtime.setMemoryLimit(LIMIT_BOUNDS.memoryBytes[0]);
      return { runtime, context, start, binding: this.rootBinding as NativeBinding };
    } catch {
      this.recycle = true;
      return undefined;
    }
  }

  /**
   * An execution of one run on an image's sandbox (whose memory the caller restored to the
   * image): the root context's natives and the interrupt handler now act on this execution.
   */
  static adopt(
    template: SandboxTemplate,
    quickjs: QuickJSWASMModule,
    post: (message: FromWorkerMessage) => void,
    natives: SandboxNatives,
    isCancelled: (runId: number) => boolean,
    acknowledge: (runId: number) => void,
    heapInUse?: () => number,
  ): SandboxExecution {
    const execution = new SandboxExecution(
      quickjs,
      post,
      natives,
      isCancelled,
      acknowledge,
      heapInUse,
    );
    const root = new SandboxFrame(0, "", template.context);
    root.start = template.start.dup();
    execution.template = template;
    execution.runtime = template.runtime;
    execution.frames.push(root);
    execution.rootBinding = template.binding;
    template.binding.execution = execution;
    template.binding.frame = root;
    execution.watchInterrupts(template.runtime);
    return execution;
  }

  /** Never throws: every outcome, including host-side breakage, becomes a report. */
  async execute(run: RunMessage): Promise<ExecutionReport> {
    this.runMessage = run;
    this.startedAt = performance.now();
    this.timings.startedAtEpochMs = performance.timeOrigin + this.startedAt;
    this.deadline = this.startedAt + run.limits.timeoutMs;
    try {
      const createStart = performance.now();
      const root = this.root ?? this.createSandbox();
      const runtime = this.runtime as QuickJSRuntime;
      runtime.setMemoryLimit(run.limits.memoryBytes);
      runtime.setMaxStackSize(run.limits.stackBytes);
      this.heapAtStart = this.heapInUse?.();
      this.startFrame(root, run.paramsJson, run.contextJson);
      this.timings.sandboxCreateMs = performance.now() - createStart;
      if (!this.failure) this.timed(() => this.evaluateAction(root, run.code));
      await this.driveEventLoop();
      if (!this.failure && !this.overHeapLimit()) this.checkRootCompletion(root);
    } catch (error) {
      // A host exception escaped QuickJS (e.g. RangeError from the WASM stack): the module's
      // state is unknown, so this worker must not run anything else.
      this.recycle = true;
      this.fail("ACTION_ERROR", `sandbox failure: ${describeHostError(error)}`, true);
    } finally {
      this.teardown();
    }
    const result: RunResult = this.failure
      ? { ok: false, ...this.failure, logs: this.logs }
      : { ok: true, response: this.root?.response ?? "", logs: this.logs };
    const report: ExecutionReport = { result, timings: this.timings, recycle: this.recycle };
    if (this.template !== undefined) report.image = this.keptImage ? "restore" : "lost";
    return report;
  }

  /** The main thread answered a host call. */
  onHostResult(callId: number, ok: boolean, json: string): void {
    const entry = this.pendingHostCalls.get(callId);
    if (!entry || this.failure) return;
    this.pendingHostCalls.delete(callId);
    const { frame, deferred } = entry;
    if (frame.done) {
      // The frame was abandoned (its action failed): nobody waits for this answer.
      deferred.dispose();
      return;
    }
    if (entry.method === "call" && ok) {
      this.startChild(entry, json);
    } else {
      frame.pending--;
      this.settle(frame.context, deferred, ok, json);
    }
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

  private createSandbox(): SandboxFrame {
    const runtime = this.quickjs.newRuntime();
    this.runtime = runtime;
    // The smallest limits any run may have: whatever run gets this sandbox, its setup fit in
    // that run's limits, as if it had been built under them. The run's own limits follow.
    runtime.setMemoryLimit(LIMIT_BOUNDS.memoryBytes[0]);
    runtime.setMaxStackSize(LIMIT_BOUNDS.stackBytes[0]);
    this.watchInterrupts(runtime);
    return this.createFrame(0, "");
  }

  /**
   * Consulted every few thousand QuickJS operations; returning true throws an uncatchable
   * "interrupted" error. Blocking builtins (one huge allocation, a long indexOf) do not consult
   * it; the main thread's watchdog covers those by terminating the worker.
   */
  private watchInterrupts(runtime: QuickJSRuntime): void {
    runtime.setInterruptHandler(
      () =>
        this.tearingDown ||
        this.failure !== undefined ||
        performance.now() > this.deadline ||
        this.cancelledNow() ||
        this.overHeapLimit(),
    );
  }

  /**
   * True, and the run failed with ACTION_MEMORY_LIMIT, once the run has taken more than its heap
   * limit from the module's allocator. QuickJS's own limit (setMemoryLimit) is kept, but this
   * build cannot size its allocations (no malloc_usable_size): it counts a few bytes per
   * allocation, so it stops many small objects but not a few large strings or buffers. Checked
   * with every interrupt check and when the run ends; one allocation can exceed the limit by
   * its own size before the next check (the module's memory is at most 2 GiB, and the worker is
   * replaced after a run that grew it past 32 MiB).
   */
  private overHeapLimit(): boolean {
    const run = this.runMessage;
    const start = this.heapAtStart; // undefined while the sandbox is still being built
    if (this.heapInUse === undefined || run === undefined || start === undefined) return false;
    if (this.tearingDown || this.heapInUse() - start <= run.limits.memoryBytes) return false;
    this.fail("ACTION_MEMORY_LIMIT", this.memoryLimitMessage());
    return true;
  }

  private memoryLimitMessage(): string {
    return `out of memory: the action exceeded its ${this.runMessage?.limits.memoryBytes ?? LIMIT_BOUNDS.memoryBytes[0]}-byte heap limit`;
  }

  /** A new context with natives and the prelude, in the run's runtime. */
  private createFrame(
    id: number,
    ipfsId: string,
    parentCall?: SandboxFrame["parentCall"],
  ): SandboxFrame {
    const runtime = this.runtime as QuickJSRuntime;
    const context = runtime.newContext();
    const frame = new SandboxFrame(id, ipfsId, context, parentCall);
    this.frames.push(frame);
    const binding: NativeBinding = { execution: this, frame };
    if (frame.isRoot) this.rootBinding = binding;
    const natives = context.newObject();
    const lazySources = context.newObject();
    try {
      SandboxExecution.installNatives(binding, natives);
      for (const [name, source] of Object.entries(LAZY_PRELUDE_SOURCES)) {
        const handle = context.newString(source);
        context.setProp(lazySources, name, handle);
        handle.dispose();
      }
      const prelude = context.evalCode(PRELUDE_SOURCE, "lit-actions-prelude.js");
      if (prelude.error) {
        this.failFrame(frame, prelude.error, "prelude failed");
        return frame;
      }
      const installer = prelude.value;
      const installed = context.callFunction(installer, context.undefined, natives, lazySources);
      installer.dispose();
      if (installed.error) this.failFrame(frame, installed.error, "prelude failed");
      else frame.start = installed.value;
    } finally {
      natives.dispose();
      lazySources.dispose();
    }
    return frame;
  }

  /** Lit.Auth, the headers and the jsParams (the prelude's start). */
  private startFrame(frame: SandboxFrame, paramsJson: string, contextJson: string): void {
    const start = frame.start;
    frame.start = undefined;
    if (this.failure || frame.failure !== undefined || start === undefined) {
      start?.dispose();
      return;
    }
    const { context } = frame;
    const params = context.newString(paramsJson);
    const contextHandle = context.newString(contextJson);
    const seed = context.newString(JSON.stringify(randomSeed()));
    const started = context.callFunction(start, context.undefined, params, contextHandle, seed);
    start.dispose();
    params.dispose();
    contextHandle.dispose();
    seed.dispose();
    if (started.error) this.failFrame(frame, started.error, "prelude failed");
    else started.value.dispose();
  }

  /**
   * The natives of one context. They act on `binding` as it is when they are called (an image's
   * root context is rebound by every run), never on the execution that installed them.
   */
  private static installNatives(binding: NativeBinding, natives: QuickJSHandle): void {
    const { context } = binding.frame;
    const define = (
      name: string,
      fn: (...args: QuickJSHandle[]) => QuickJSHandle | { error: QuickJSHandle } | void,
    ) => {
      const handle = context.newFunction(name, fn);
      context.setProp(natives, name, handle);
      handle.dispose();
    };

    define("hostCall", (methodHandle, argsHandle) => {
      const { execution: self, frame } = binding;
      const method = context.getString(methodHandle);
      // The length is read before the text is copied out: copying a huge string (a rope of
      // 64 Mi characters costs QuickJS almost nothing to build) would itself be the attack.
      const length = stringLength(context, argsHandle);
      if (length > MAX_HOST_CALL_ARGS) {
        self.fail(
          "LIMIT_EXCEEDED",
          `Lit.Actions.${method}: its arguments are ${length} characters as JSON, more than the limit of ${MAX_HOST_CALL_ARGS}`,
        );
        return { error: context.newError("host call arguments too large") };
      }
      const { maxHostCalls, hostCallBytes } = self.run.limits;
      if (self.timings.hostCalls >= maxHostCalls) {
        self.fail(
          "LIMIT_EXCEEDED",
          `Lit.Actions.${method}: more than ${maxHostCalls} host calls in one execution`,
        );
        return { error: context.newError("host call budget exhausted") };
      }
      const argsJson = context.getString(argsHandle);
      const bytes = utf8Length(argsJson);
      if (self.hostCallBytes + bytes > hostCallBytes) {
        self.fail(
          "LIMIT_EXCEEDED",
          `Lit.Actions.${method}: host-call arguments of this execution exceed ${hostCallBytes} bytes in total`,
        );
        return { error: context.newError("host call budget exhausted") };
      }
      if (frame.done || !self.reserveOperationSlot()) {
        return { error: context.newError("run is over") };
      }
      self.hostCallBytes += bytes;
      const callId = self.nextCallId++;
      const deferred = context.newPromise();
      self.pendingHostCalls.set(callId, { frame, deferred, method });
      frame.pending++;
      self.timings.hostCalls++;
      self.post({
        type: "host-call",
        runId: self.run.runId,
        callId,
        frame: frame.id,
        method,
        argsJson,
      });
      return deferred.handle;
    });

    define("localCall", (methodHandle, argsHandle) => {
      const method = context.getString(methodHandle);
      const argsJson = context.getString(argsHandle);
      try {
        const request = parseSandboxRequest(method, JSON.parse(argsJson));
        if (request.method === "pubkeyToTokenId") {
          return context.newString(JSON.stringify(pubkeyToTokenId(request.publicKey)));
        }
        if (request.method === "aesDecrypt") {
          return context.newString(JSON.stringify(aesDecrypt(request)));
        }
        throw new InvalidArgumentError("not local");
      } catch (error) {
        const code = error instanceof InvalidArgumentError ? error.code : "ACTION_ERROR";
        const message = error instanceof Error ? error.message : String(error);
        return { error: context.newString(JSON.stringify({ message, code })) };
      }
    });

    define("setResponse", (responseHandle) => {
      const { execution: self, frame } = binding;
      const limit = self.run.limits.responseBytes;
      // A string of n UTF-16 units is at least n UTF-8 bytes: refuse before copying it out.
      const length = stringLength(context, responseHandle);
      const response = length > limit ? undefined : context.getString(responseHandle);
      const size = response === undefined ? length : utf8Length(response);
      if (response === undefined || size > limit) {
        self.fail(
          "LIMIT_EXCEEDED",
          `response is ${response === undefined ? "at least " : ""}${size} bytes, more than the limit of ${limit}`,
        );
        return { error: context.newError("response limit exceeded") };
      }
      frame.response = response;
    });

    define("log", (lineHandle) => {
      const self = binding.execution;
      const limit = self.run.limits.logBytes;
      const length = stringLength(context, lineHandle);
      const line = self.logBytes + length > limit ? undefined : context.getString(lineHandle);
      const size = line === undefined ? length : utf8Length(line);
      if (line === undefined || self.logBytes + size > limit) {
        self.fail("LIMIT_EXCEEDED", `logs exceed the limit of ${limit} bytes`);
        return { error: context.newError("log limit exceeded") };
      }
      self.logBytes += size;
      self.logs += line;
    });

    define("sleep", (idHandle, msHandle) => {
      const { execution: self, frame } = binding;
      const id = `${frame.id}:${context.getNumber(idHandle)}`;
      const ms = Math.min(Math.max(context.getNumber(msHandle) || 0, 0), MAX_TIMER_MS);
      if (frame.done || !self.reserveOperationSlot()) {
        return { error: context.newError("run is over") };
      }
      const deferred = context.newPromise();
      frame.pending++;
      const timer = setTimeout(() => {
        self.pendingSleeps.delete(id);
        frame.pending--;
        if (!self.failure) self.settle(context, deferred, true, undefined);
        else deferred.dispose();
      }, ms);
      self.pendingSleeps.set(id, { frame, deferred, timer });
      return deferred.handle;
    });

    define("cancelSleep", (idHandle) => {
      const { execution: self, frame } = binding;
      const id = `${frame.id}:${context.getNumber(idHandle)}`;
      const sleep = self.pendingSleeps.get(id);
      if (!sleep) return;
      clearTimeout(sleep.timer);
      sleep.deferred.dispose(); // the sandbox promise simply never settles
      self.pendingSleeps.delete(id);
      frame.pending--;
      self.wake?.();
    });

    define("fail", (messageHandle) => {
      const { execution: self, frame } = binding;
      const message = truncate(context.getString(messageHandle));
      if (frame.isRoot) self.fail("ACTION_ERROR", message);
      else if (frame.failure === undefined) frame.failure = message;
      return { error: context.newError("execution failed") };
    });

    installPureNatives(context, define, binding.execution.natives);
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

  /** Evaluates the frame's code; its completion value is kept on the frame. */
  private evaluateAction(frame: SandboxFrame, code: string): void {
    const { context } = frame;
    const ipfsId = frame.isRoot ? this.run.ipfsId : frame.ipfsId;
    const filename = `lit-action-${ipfsId || "inline"}.js`;
    const asScript = context.evalCode(code, filename, { type: "global" });
    frame.evaluated = true;
    if (!asScript.error) {
      frame.completion = asScript.value;
      return;
    }
    if (!this.failure && isTopLevelAwaitCandidate(context, asScript.error, code)) {
      // Top-level await: same code as the body of an async arrow function. The prefix shares the
      // first line so reported line numbers stay those of the action.
      const wrapped = `(async () => {${code}\n})()`;
      const asAsync = context.evalCode(wrapped, filename, { type: "global" });
      if (!asAsync.error) {
        asScript.error.dispose();
        frame.completion = asAsync.value;
        return;
      }
      asAsync.error.dispose();
    }
    this.failFrame(frame, asScript.error);
  }

  /** A child action, started in a new context when the host answered its parent's `call`. */
  private startChild(entry: PendingHostCall, json: string): void {
    const parent = entry.frame;
    let child: ChildAction;
    try {
      child = JSON.parse(json) as ChildAction;
    } catch {
      this.fail("HOST_ERROR", "the host's answer to Lit.Actions.call is not JSON");
      entry.deferred.dispose();
      return;
    }
    const frame = this.createFrame(child.frame, child.ipfsId, {
      frame: parent,
      deferred: entry.deferred,
    });
    this.activeChildren.push(frame);
    this.startFrame(frame, child.paramsJson, child.contextJson);
    if (!this.failure && frame.failure === undefined) {
      this.timed(() => this.evaluateAction(frame, child.code));
    }
    frame.evaluated = true;
    this.wake?.();
  }

  /** Runs queued jobs; waits for host results/timers while any are in flight. */
  private async driveEventLoop(): Promise<void> {
    const runtime = this.runtime;
    if (!runtime) return;
    while (!this.failure) {
      this.timed(() => this.drainJobs(runtime));
      if (this.failure) return;
      if (this.settleFinishedChildren()) continue;
      if (
        this.pendingHostCalls.size === 0 &&
        this.pendingSleeps.size === 0 &&
        this.activeChildren.length === 0
      ) {
        return;
      }
      if (performance.now() > this.deadline) {
        this.fail("ACTION_TIMEOUT", this.timeoutMessage());
        return;
      }
      const waitStart = performance.now();
      await this.nextWake();
      this.timings.hostWaitMs += performance.now() - waitStart;
    }
  }

  private drainJobs(runtime: QuickJSRuntime): void {
    while (!this.failure && runtime.hasPendingJob()) {
      const result = runtime.executePendingJobs(JOB_BATCH);
      if (result.error) {
        // Promise jobs turn ordinary exceptions into rejections; what reaches us here is an
        // uncatchable one: interrupted (deadline/abort) or out of memory.
        this.failRun(result.error.context, result.error);
        return;
      }
      if (performance.now() > this.deadline) {
        this.fail("ACTION_TIMEOUT", this.timeoutMessage());
        return;
      }
    }
  }

  /**
   * Settles the parent's `call` of one child that is done (its code and everything it started
   * finished, or it failed). True if one was settled: its parent has new jobs to run, which must
   * run before the parent can be judged done itself.
   */
  private settleFinishedChildren(): boolean {
    // Newest first: a grandchild settles (and frees its parent's pending slot) before its parent.
    for (let i = this.activeChildren.length - 1; i >= 0; i--) {
      const child = this.activeChildren[i];
      let outcome: { ok: true; response: string } | { ok: false; message: string } | undefined;
      if (child.failure !== undefined) {
        outcome = { ok: false, message: child.failure };
      } else if (child.evaluated && child.pending === 0) {
        outcome = this.childOutcome(child);
      }
      if (outcome === undefined) continue;
      this.activeChildren.splice(i, 1);
      this.finishChild(child, outcome);
      return true;
    }
    return false;
  }

  private childOutcome(
    child: SandboxFrame,
  ): { ok: true; response: string } | { ok: false; message: string } | undefined {
    const completion = child.completion;
    if (completion === undefined) return { ok: true, response: child.response };
    const { context } = child;
    const state = context.getPromiseState(completion);
    if (state.type === "fulfilled") {
      if (!state.notAPromise) state.value.dispose();
      return { ok: true, response: child.response };
    }
    if (state.type === "rejected") {
      const { name, message } = describeSandboxError(context, state.error);
      state.error.dispose();
      return { ok: false, message: truncate(name ? `${name}: ${message}` : message) };
    }
    return {
      ok: false,
      message:
        "the child action's top-level promise never settled (it awaits something that cannot finish)",
    };
  }

  private finishChild(
    child: SandboxFrame,
    outcome: { ok: true; response: string } | { ok: false; message: string },
  ): void {
    this.abandon(child);
    const parentCall = child.parentCall;
    if (!parentCall || !parentCall.deferred.alive || parentCall.frame.done) return;
    parentCall.frame.pending--;
    const json = outcome.ok
      ? JSON.stringify(outcome.response)
      : JSON.stringify({
          message: `Lit.Actions.call: the action ${child.ipfsId} failed: ${outcome.message}`,
          code: "ACTION_ERROR",
        });
    this.settle(parentCall.frame.context, parentCall.deferred, outcome.ok, json);
  }

  /** Marks a frame done and cancels what it still has in flight (its children included). */
  private abandon(frame: SandboxFrame): void {
    frame.done = true;
    for (const [id, sleep] of this.pendingSleeps) {
      if (sleep.frame !== frame) continue;
      clearTimeout(sleep.timer);
      sleep.deferred.dispose();
      this.pendingSleeps.delete(id);
    }
    for (let i = this.activeChildren.length - 1; i >= 0; i--) {
      const child = this.activeChildren[i];
      if (child.parentCall?.frame !== frame) continue;
      this.activeChildren.splice(i, 1);
      this.abandon(child);
      if (child.parentCall.deferred.alive) child.parentCall.deferred.dispose();
    }
    if (frame.completion?.alive) frame.completion.dispose();
    frame.completion = undefined;
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

  private checkRootCompletion(root: SandboxFrame): void {
    const completion = root.completion;
    if (completion === undefined) return;
    const { context } = root;
    const state = context.getPromiseState(completion);
    if (state.type === "fulfilled") {
      if (!state.notAPromise) state.value.dispose();
    } else if (state.type === "rejected") {
      this.failRun(context, state.error, "Uncaught (in promise)");
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

  /**
   * A frame's code (or prelude) threw: the run fails if the frame is the root or the error is
   * uncatchable (deadline, memory); a child frame fails alone, which rejects its parent's call.
   */
  private failFrame(frame: SandboxFrame, errorHandle: QuickJSHandle, prefix?: string): void {
    if (frame.isRoot) {
      this.failRun(frame.context, errorHandle, prefix);
      return;
    }
    const classified = this.classify(frame.context, errorHandle);
    if (classified.code !== "ACTION_ERROR") this.fail(classified.code, classified.message);
    else if (frame.failure === undefined) {
      frame.failure = truncate(prefix ? `${prefix} ${classified.message}` : classified.message);
    }
  }

  /** Classifies a QuickJS exception as the run's failure (and disposes its handle). */
  private failRun(context: QuickJSContext, errorHandle: QuickJSHandle, prefix?: string): void {
    if (this.failure) {
      errorHandle.dispose();
      return;
    }
    const { code, message } = this.classify(context, errorHandle);
    this.fail(code, code === "ACTION_ERROR" && prefix ? truncate(`${prefix} ${message}`) : message);
  }

  private classify(context: QuickJSContext, errorHandle: QuickJSHandle): Failure {
    // When QuickJS cannot even allocate the InternalError for "out of memory", it throws null
    // instead. An action that literally throws null is therefore reported as out of memory too.
    const isNull = context.sameValue(errorHandle, context.null);
    const { name, message } = describeSandboxError(context, errorHandle);
    if (errorHandle.alive) errorHandle.dispose();
    if (
      performance.now() > this.deadline ||
      (name === "InternalError" && message === "interrupted")
    ) {
      return { code: "ACTION_TIMEOUT", message: this.timeoutMessage() };
    }
    if (isNull || (name === "InternalError" && message === "out of memory")) {
      return { code: "ACTION_MEMORY_LIMIT", message: this.memoryLimitMessage() };
    }
    // Stack overflow ("InternalError: stack overflow") deliberately lands here: it is a bug in
    // the action (usually unbounded recursion), not resource exhaustion of the oracle.
    return { code: "ACTION_ERROR", message: truncate(name ? `${name}: ${message}` : message) };
  }

  private timeoutMessage(): string {
    return `action exceeded its ${this.runMessage?.limits.timeoutMs ?? "(no run yet)"} ms time limit`;
  }

  // ---- teardown --------------------------------------------------------------------------------

  private teardown(): void {
    this.wake = undefined;
    if (this.template !== undefined && this.frames.length === 1 && !this.recycle) {
      // A run on an image: restoring the image's memory (sandboxImage.ts) frees everything the
      // run made inside QuickJS at once; only what lives outside it is released here.
      this.tearingDown = true;
      this.keptImage = true;
      for (const { timer } of this.pendingSleeps.values()) clearTimeout(timer);
      this.pendingSleeps.clear();
      this.pendingHostCalls.clear();
      return;
    }
    // Every deferred and handle must be disposed before its context, or freeing the context
    // aborts.
    for (const entry of this.pendingHostCalls.values()) {
      if (entry.deferred.alive) entry.deferred.dispose();
    }
    this.pendingHostCalls.clear();
    for (const { deferred, timer } of this.pendingSleeps.values()) {
      clearTimeout(timer);
      if (deferred.alive) deferred.dispose();
    }
    this.pendingSleeps.clear();
    for (const frame of this.frames) frame.releaseHandles();
    this.activeChildren.length = 0;

    const runtime = this.runtime;
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
      // An image's start function lives in its root context: it goes with the image.
      if (this.template?.start.alive) this.template.start.dispose();
      for (let i = this.frames.length - 1; i >= 0; i--) this.frames[i].context.dispose();
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

/** Math.random's seed for one run (the prelude's start): four random 32-bit integers. */
function randomSeed(): number[] {
  return Array.from(crypto.getRandomValues(new Uint32Array(4)));
}
