/**
 * The one error type a Lit Action execution fails with. `code` tells the caller what happened;
 * `logs` carries whatever the action printed before it failed (useful for debugging actions).
 */
import { CodedError } from "../../codedError";

/** Codes produced by the runtime itself. Fatal host errors may add their own (e.g. NOT_PERMITTED). */
export type RuntimeFailureCode =
  /** Wall-time limit reached (running JS, waiting on host calls or timers, or a stuck worker). */
  | "ACTION_TIMEOUT"
  /** QuickJS ran out of the configured heap. */
  | "ACTION_MEMORY_LIMIT"
  /** The action threw, had an unhandled rejection, a syntax error, or overflowed its stack. */
  | "ACTION_ERROR"
  /** Code, response, log or signature-count limit exceeded. */
  | "LIMIT_EXCEEDED"
  /** A limit passed to the runtime or to run() is invalid. */
  | "INVALID_LIMITS"
  /** run() input is unusable (e.g. jsParams that are not JSON). */
  | "INVALID_INPUT"
  /** The host returned something that cannot cross into the sandbox, or failed unexpectedly. */
  | "HOST_ERROR"
  /** The sandbox worker died or misbehaved outside the action's control. */
  | "RUNTIME_ERROR"
  /** run() was called on, or was queued in, a closed runtime. */
  | "RUNTIME_CLOSED"
  /** No worker became free within maxQueueMs (or the caller shed the run to make room). */
  | "BUSY"
  /** The caller aborted the run (its client went away). */
  | "CANCELLED";

export type ActionFailureCode = RuntimeFailureCode | (string & {});

export class ActionFailure extends CodedError<ActionFailureCode> {
  /** console output captured before the failure ("" when none). */
  readonly logs: string;

  constructor(code: ActionFailureCode, message: string, options: { logs?: string } = {}) {
    super(code, message);
    this.logs = options.logs ?? "";
  }
}

/**
 * What a host throws to end the whole execution (not just reject the sandbox promise).
 * Any thrown value with `fatal: true` and a string `code` is treated the same way, so hosts
 * need not import this class.
 */
export class FatalHostError extends CodedError<string> {
  readonly fatal = true as const;
}
