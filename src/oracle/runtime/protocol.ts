/**
 * Messages between the main thread (ActionRuntime) and a sandbox worker. Everything here is
 * structured-clone data; payloads that reach the sandbox are JSON strings, parsed inside it.
 */
import type { ActionLimits } from "./limits";

/** Where the time of one execution went, in milliseconds. */
export interface ActionTimings {
  /** Waiting for a free worker (all busy). */
  queueMs: number;
  /** From posting the run to the worker until it started on it (worker's own queue/boot). */
  dispatchMs: number;
  /** New QuickJS runtime + context, globals and prelude. */
  sandboxCreateMs: number;
  /** Running JS inside QuickJS: top-level code, jobs and callbacks. */
  evalMs: number;
  /** Idle time inside the run waiting for host calls or timers. */
  hostWaitMs: number;
  /** Number of calls that went to the host (or were answered by the runtime). */
  hostCalls: number;
  /** Whole run() call as seen by the caller. */
  totalMs: number;
}

export type WorkerTimings = Pick<
  ActionTimings,
  "sandboxCreateMs" | "evalMs" | "hostWaitMs" | "hostCalls"
> & {
  /** performance.timeOrigin + performance.now() when the worker picked the run up. */
  startedAtEpochMs: number;
};

export interface RunMessage {
  type: "run";
  runId: number;
  code: string;
  ipfsId: string;
  /** JSON object text of jsParams. */
  paramsJson: string;
  /** JSON text of the sandbox context: `{ auth, headers }` (Lit.Auth and the request headers). */
  contextJson: string;
  limits: ActionLimits;
}

export interface HostResultMessage {
  type: "host-result";
  runId: number;
  callId: number;
  /** JSON text of the value (ok) or of { message, code } (rejection). */
  ok: boolean;
  json: string;
}

/** The main thread has decided the run is over (fatal host error, limit); stop as soon as possible. */
export interface AbortMessage {
  type: "abort";
  runId: number;
}

export type ToWorkerMessage = RunMessage | HostResultMessage | AbortMessage;

export interface ReadyMessage {
  type: "ready";
}

export interface HostCallMessage {
  type: "host-call";
  runId: number;
  callId: number;
  /**
   * Which action of the run asks: 0 is the action the run started with; `Lit.Actions.call`
   * starts others, each numbered by the main thread (see ChildAction).
   */
  frame: number;
  method: string;
  /** JSON text of the single argument object. */
  argsJson: string;
}

/**
 * The host's answer to a `call` host call (JSON in HostResultMessage.json): the child action
 * the worker starts in a new context of the same sandbox runtime (same time and memory budget).
 */
export interface ChildAction {
  frame: number;
  ipfsId: string;
  code: string;
  /** JSON object text: the child's jsParams (Lit's `params`). */
  paramsJson: string;
  /** As RunMessage.contextJson, with the child's CID on the stack. */
  contextJson: string;
}

export type RunResult =
  | { ok: true; response: string; logs: string }
  | { ok: false; code: string; message: string; logs: string };

export interface DoneMessage {
  type: "done";
  runId: number;
  result: RunResult;
  timings: WorkerTimings;
  /** The worker's QuickJS module may be damaged (abort, leaked runtime): replace the worker. */
  recycle: boolean;
}

/**
 * The sandbox saw the cancellation flag for this run and stopped running the action (it is
 * tearing down; "done" follows). The main thread then need not terminate the worker.
 */
export interface StoppingMessage {
  type: "stopping";
  runId: number;
}

export type FromWorkerMessage = ReadyMessage | HostCallMessage | StoppingMessage | DoneMessage;
