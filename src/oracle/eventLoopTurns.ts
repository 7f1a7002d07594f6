/**
 * Event-loop turns for main-thread work that must not run back to back. Node runs every
 * `setImmediate` queued before its check phase in that one phase, with no I/O polled in between;
 * one queued before, the next queued from inside the previous callback, they land in successive
 * loop iterations, and HTTP requests (a `/health` probe, the next `/execute`) are read and
 * answered between any two.
 */

/** The next macrotask (setImmediate in Node; the explorer's browser bundle has only setTimeout). */
export const nextMacrotask: (fn: () => void) => void =
  typeof setImmediate === "function" ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0);

/** Hands out turns in call order, one per event-loop iteration. */
export class EventLoopTurns {
  readonly #waiting: Array<() => void> = [];
  #scheduled = false;

  /**
   * Resolves in a macrotask of its own: what the caller does after `await turns.next()`, up to
   * its next wait for I/O, runs before the loop moves on, and nobody else's turn runs with it.
   */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#schedule();
    });
  }

  /** Callers waiting for a turn (for tests). */
  get waiting(): number {
    return this.#waiting.length;
  }

  #schedule(): void {
    if (this.#scheduled || this.#waiting.length === 0) return;
    this.#scheduled = true;
    nextMacrotask(() => {
      this.#scheduled = false;
      this.#waiting.shift()?.();
      this.#schedule();
    });
  }
}
