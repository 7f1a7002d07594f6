/**
 * What the oracle keeps per sessionSig to refuse replays — and nothing more: for each sessionSig
 * seen, a hash of its signature, the fingerprint of the first request it came with, and its
 * expiry. The same sessionSig with the same request again (a client's retry) is accepted; with
 * another request it is SESSION_REPLAYED. Entries leave when their sessionSig expires.
 *
 * Bounds: at most `maxEntries` (default 100,000, ≈ 15 MB) live entries; past that, expired ones are
 * swept, and if none are, a new sessionSig is refused with BUSY (clients should sign short-lived
 * sessionSigs; `PkpSigner` signs one per request, valid 60 s). Kept in memory only: a sessionSig
 * issued before the oracle started is refused (sessionVerifier.ts), so a restart opens no replay.
 */
import { createHash } from "node:crypto";
import { OracleError } from "../errors";
import { AuthError } from "./authErrors";

export const DEFAULT_MAX_REPLAY_ENTRIES = 100_000;

interface Entry {
  fingerprint: string;
  expiresAt: number;
}

export class ReplayGuard {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = DEFAULT_MAX_REPLAY_ENTRIES,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** Binds `signature` to `fingerprint` until `expiresAt`, or refuses a different request. */
  admit(signature: string, fingerprint: string, expiresAt: number): void {
    const key = createHash("sha256").update(signature.toLowerCase()).digest("base64");
    const seen = this.#entries.get(key);
    if (seen !== undefined && seen.expiresAt > this.now()) {
      if (seen.fingerprint === fingerprint) return;
      throw new AuthError(
        "SESSION_REPLAYED",
        "this sessionSig was already used with another request; sign a new sessionSig for each request",
      );
    }
    if (this.#entries.size >= this.maxEntries) this.#sweep();
    if (this.#entries.size >= this.maxEntries) {
      throw new OracleError(
        "BUSY",
        `the oracle remembers ${this.maxEntries} unexpired sessionSigs already; retry later, and sign sessionSigs with short lifetimes`,
      );
    }
    this.#entries.delete(key);
    this.#entries.set(key, { fingerprint, expiresAt });
  }

  #sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key);
    }
  }
}
