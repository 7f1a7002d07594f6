/**
 * One action inside a sandbox run (worker side): a QuickJS context with its own globals, natives
 * and API, in the run's runtime. Frame 0 is the action the run started with; every
 * `Lit.Actions.call` starts another frame in a new context of the SAME runtime, so a child
 * action has its own realm (it cannot touch its parent's globals or API, nor the parent its) but
 * shares the run's budget: heap limit, stack limit, deadline, host calls, signatures.
 *
 * A frame is done when its code was evaluated, its completion value (the usual
 * `(async () => …)()`) settled and nothing it started (host calls, timers, child actions) is in
 * flight. A child frame's outcome settles its parent's `call` promise; the root frame's outcome
 * is the run's.
 */
import type { QuickJSContext, QuickJSDeferredPromise, QuickJSHandle } from "quickjs-emscripten";

/** The parent's pending `Lit.Actions.call` a child frame answers. */
export interface ParentCall {
  frame: SandboxFrame;
  deferred: QuickJSDeferredPromise;
}

export class SandboxFrame {
  /** The prelude's start(paramsJson, contextJson), until the frame starts. */
  start: QuickJSHandle | undefined;
  /** The completion value of the action's code, once evaluated. */
  completion: QuickJSHandle | undefined;
  evaluated = false;
  /** Settled its parent (children) or finished (root). */
  done = false;
  response = "";
  /** A child's own failure (its code threw, or a timer callback did): rejects the parent's call. */
  failure: string | undefined;
  /** Host calls, timers and child actions of this frame in flight. */
  pending = 0;

  constructor(
    readonly id: number,
    readonly ipfsId: string,
    readonly context: QuickJSContext,
    readonly parentCall?: ParentCall,
  ) {}

  get isRoot(): boolean {
    return this.parentCall === undefined;
  }

  /** Frees the handles this frame holds (not its context: the execution disposes contexts). */
  releaseHandles(): void {
    if (this.start?.alive) this.start.dispose();
    this.start = undefined;
    if (this.completion?.alive) this.completion.dispose();
    this.completion = undefined;
    if (this.parentCall?.deferred.alive) this.parentCall.deferred.dispose();
  }
}
