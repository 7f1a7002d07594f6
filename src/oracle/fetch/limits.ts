/**
 * The limits of an action's fetches (documented in docs/ORACLE.md). Apart from ./policy.ts so
 * that what runs in a browser (the explorer's replay) can name them without node:net.
 */
export const DEFAULT_FETCH_LIMITS = {
  /** Lit's max_fetch_count (datil default). */
  maxFetches: 50,
  /** Largest response body one fetch may return (bytes). */
  maxResponseBytes: 1024 * 1024,
  /** Wall time of one fetch, redirects included (ms). */
  timeoutMs: 10_000,
  /** Redirects followed per fetch. */
  maxRedirects: 5,
  /** Response bodies up to this size are kept whole in the outcome's recordings (bytes). */
  recordBodyBytes: 64 * 1024,
} as const;

export type FetchLimits = { -readonly [K in keyof typeof DEFAULT_FETCH_LIMITS]: number };
