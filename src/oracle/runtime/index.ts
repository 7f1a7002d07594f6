/**
 * Lit Action runtime: runs action code in a QuickJS (WASM) sandbox on worker threads.
 *
 *   const runtime = new ActionRuntime({ poolSize: 2, limits: { timeoutMs: 10_000 } });
 *   const outcome = await runtime.run({ code, ipfsId: await cidOfCode(code), jsParams, host });
 *   // outcome: { response, logs, signatures, timings }; failures reject with ActionFailure
 *   await runtime.close();
 *
 * - Isolation: every run gets a fresh QuickJS runtime + context (the compiled WASM module is
 *   reused per worker). Sandboxed code sees only ECMAScript built-ins plus Lit.Actions/LitActions,
 *   console, bounded timers and jsParams. No process, require, module loader, filesystem, network
 *   or host objects; values cross only as JSON strings.
 * - The host (ActionHost, main thread) answers signing and permission calls with validated,
 *   typed HostRequests. Keys never enter the worker or the sandbox.
 * - Limits (ActionLimits, DEFAULT_LIMITS) apply per runtime and per run; failures are
 *   ActionFailure with code ACTION_TIMEOUT | ACTION_MEMORY_LIMIT | ACTION_ERROR | LIMIT_EXCEEDED |
 *   INVALID_LIMITS | INVALID_INPUT | HOST_ERROR | RUNTIME_ERROR | RUNTIME_CLOSED, or the code of a
 *   fatal host error (e.g. NOT_PERMITTED).
 *
 * See docs/ORACLE.md ("The action runtime").
 */
export {
  ActionRuntime,
  type ActionOutcome,
  type ActionRunInput,
  type ActionRuntimeOptions,
  type ActionRuntimeStats,
} from "./actionRuntime";
export {
  ActionFailure,
  FatalHostError,
  type ActionFailureCode,
  type RuntimeFailureCode,
} from "./actionFailure";
export { type ActionLimits, DEFAULT_LIMITS, LIT_DATIL_LIMITS } from "./limits";
export type { RunClient } from "./fairQueue";
export { DEFAULT_MAX_QUEUE_MS } from "./workerPool";
export { DEFAULT_HOST_CALL_CONCURRENCY } from "./hostCallQueue";
export { type ActionHost, MAX_CALL_DEPTH, MAX_CHILD_ACTIONS } from "./runSession";
export {
  type DecryptRequest,
  type EcdsaSigningScheme,
  type HostCallContext,
  type HostRequest,
  type HostMethod,
  type HostValue,
  type Hex,
  type RedirectMode,
  type SigningRequest,
  CONDITION_KINDS,
  ECDSA_DIGEST_BYTES,
  ECDSA_SIGNING_SCHEMES,
  InvalidArgumentError,
  LIT_SIGNING_SCHEMES,
  isSigningRequest,
  pubkeyToTokenId,
} from "./hostRequest";
export type { ActionTimings } from "./protocol";
export { UNSUPPORTED_LIT_ACTIONS } from "./worker/sandboxPrelude";
