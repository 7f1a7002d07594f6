/**
 * Per-client token buckets: each client may spend `perMinute` units a minute, in bursts of up to
 * the same amount. Buckets that are full again are forgotten, so memory follows the clients that
 * spent something within the last minute.
 */
export interface RateDecision {
  ok: boolean;
  /** When refused: seconds until `cost` units are available again. */
  retryAfterSeconds: number;
}

const PRUNE_ABOVE = 1024;

export class ClientRateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isFinite(perMinute) || perMinute <= 0) {
      throw new RangeError(`a rate must be a positive number per minute, got ${perMinute}`);
    }
  }

  /** Spends `cost` units of `client`'s bucket if it holds them; else says how long to wait. */
  take(client: string, cost: number): RateDecision {
    const now = this.now();
    const perMs = this.perMinute / 60_000;
    const bucket = this.#buckets.get(client) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    if (cost > bucket.tokens) {
      this.#buckets.set(client, bucket);
      const missing = Math.min(cost, this.perMinute) - bucket.tokens;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(missing / perMs / 1000)) };
    }
    bucket.tokens -= cost;
    this.#buckets.set(client, bucket);
    if (this.#buckets.size > PRUNE_ABOVE) this.#prune(now, perMs);
    return { ok: true, retryAfterSeconds: 0 };
  }

  #prune(now: number, perMs: number): void {
    for (const [client, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * perMs >= this.perMinute) this.#buckets.delete(client);
    }
  }
}
