/**
 * Resource limits of one Lit Action execution, their defaults and their validation.
 * Limits are set per ActionRuntime and may be overridden per run; every field is checked here so
 * the worker can trust what it receives.
 */
import { ActionFailure } from "./actionFailure";

export interface ActionLimits {
  /** Wall time of the whole execution (JS + waiting for host calls and timers). */
  timeoutMs: number;
  /** QuickJS runtime heap limit. */
  memoryBytes: number;
  /**
   * QuickJS max stack size. Must stay well below the worker thread's own native stack (4 MiB):
   * a deeper QuickJS stack overflows the host stack inside WASM, which aborts the module.
   */
  stackBytes: number;
  /** UTF-8 size of the action code, checked before anything starts. */
  codeBytes: number;
  /** UTF-8 size of the string given to setResponse. */
  responseBytes: number;
  /** Number of signing calls (signEcdsa, ethPersonalSignMessageEcdsa, signAndCombineEcdsa). */
  maxSignatures: number;
  /** UTF-8 size of everything written through console.*. */
  logBytes: number;
  /**
   * Host calls (Lit.Actions calls the main thread answers: chain reads, signing, and whatever
   * later features add) one run may make in total. Past it: LIMIT_EXCEEDED (fatal).
   */
  maxHostCalls: number;
  /**
   * UTF-8 size of the JSON arguments of all of one run's host calls together. The main thread
   * parses, validates and forwards them (to the chain, as calldata), so this bounds the main
   * thread's and the chain's work per run. Past it: LIMIT_EXCEEDED (fatal).
   */
  hostCallBytes: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

export const DEFAULT_LIMITS: Readonly<ActionLimits> = Object.freeze({
  timeoutMs: 30_000,
  memoryBytes: 64 * MiB,
  stackBytes: 256 * KiB,
  codeBytes: 1 * MiB,
  responseBytes: 1 * MiB,
  maxSignatures: 32,
  logBytes: 256 * KiB,
  maxHostCalls: 256,
  hostCallBytes: 1 * MiB,
});

/**
 * Lit's datil limits where they are stricter than ours (LIT-AUTH.md C.1): an action that fits
 * these fits Lit's nodes too. `pkp:oracle --lit-limits`, or `limits: LIT_DATIL_LIMITS` in
 * process. Lit's larger memory (256 MB of V8 heap) and code (16 MB) limits are not adopted:
 * QuickJS's heap is not V8's, and over HTTP the code travels in a body capped at 2 MiB.
 */
export const LIT_DATIL_LIMITS: Readonly<Partial<ActionLimits>> = Object.freeze({
  timeoutMs: 30_000,
  responseBytes: 100 * KiB,
  maxSignatures: 10,
  logBytes: 100 * KiB,
});

/** Inclusive bounds; outside them a limit is a configuration error, not a clamp. */
export const LIMIT_BOUNDS: Readonly<Record<keyof ActionLimits, readonly [number, number]>> = {
  timeoutMs: [1, 15 * 60_000],
  memoryBytes: [1 * MiB, 2048 * MiB],
  // 1 MiB was measured to still give a clean "InternalError: stack overflow" in a worker with the
  // default 4 MiB thread stack; 2 MiB already escapes as a host RangeError.
  stackBytes: [32 * KiB, 1 * MiB],
  codeBytes: [1, 64 * MiB],
  responseBytes: [0, 64 * MiB],
  maxSignatures: [0, 10_000],
  logBytes: [0, 64 * MiB],
  maxHostCalls: [0, 100_000],
  hostCallBytes: [0, 64 * MiB],
};

const LIMIT_NAMES = Object.keys(LIMIT_BOUNDS) as Array<keyof ActionLimits>;

/** Merges overrides onto a base and validates every field (throws ActionFailure INVALID_LIMITS). */
export function resolveLimits(
  base: Readonly<ActionLimits>,
  ...overrides: Array<Partial<ActionLimits> | undefined>
): ActionLimits {
  const merged: ActionLimits = { ...base };
  for (const override of overrides) {
    if (!override) continue;
    for (const name of Object.keys(override)) {
      if (!LIMIT_NAMES.includes(name as keyof ActionLimits)) {
        throw new ActionFailure("INVALID_LIMITS", `unknown action limit "${name}"`);
      }
      const value = override[name as keyof ActionLimits];
      if (value !== undefined) merged[name as keyof ActionLimits] = value;
    }
  }
  for (const name of LIMIT_NAMES) {
    const value = merged[name];
    const [min, max] = LIMIT_BOUNDS[name];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new ActionFailure(
        "INVALID_LIMITS",
        `action limit ${name} must be an integer in [${min}, ${max}], got ${String(value)}`,
      );
    }
  }
  return merged;
}
