/**
 * A bound on the requests the service works on at once. Over the bound a request is refused at
 * once (503 BUSY) instead of queued: a queue in front of a 2 MiB body reader and a worker pool
 * only turns overload into memory growth and timeouts, and clients can retry.
 */
export class ConcurrencyLimiter {
  #inFlight = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`maxConcurrent must be a positive integer, got ${max}`);
    }
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** A release function if a slot was free, else undefined. Releasing twice is harmless. */
  tryAcquire(): (() => void) | undefined {
    if (this.#inFlight >= this.max) return undefined;
    this.#inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight -= 1;
    };
  }
}
