/**
 * The contract of the oracle's keystore, the only place PKP private keys exist. Implemented by
 * `FileKeystore` (./fileKeystore: durable, encrypted at rest; what the service uses) and
 * `MemoryKeystore` (./memoryKeystore: no persistence, for unit tests and throwaway demos).
 */
import type { LitSignature } from "../signing";
import type { StoredKey } from "./keyRing";

export interface Keystore {
  /**
   * Generates a fresh key of `keyType` (default 2, ECDSA secp256k1) and resolves only once it is
   * durably stored. Register the public key on chain only after this resolves: a key that is
   * on chain but not in the keystore could never sign again.
   */
  generate(keyType?: number): Promise<StoredKey>;
  /** True for every stored key, retired ones included. */
  has(tokenId: bigint): boolean;
  /** All stored keys (retired included), oldest first. */
  list(): StoredKey[];
  get(tokenId: bigint): StoredKey | undefined;
  /**
   * Signs a 32-byte digest with the PKP's key (canonical low-s) and returns Lit's signature shape.
   * Authorization is the caller's job; this only refuses unknown or retired keys.
   * @throws UnknownKeyError, KeyRetiredError, SigningError (digest not 32 bytes)
   */
  signDigest(tokenId: bigint, digest: Uint8Array | string): LitSignature;
  /**
   * Marks a key as retired (e.g. withdrawn from the chain's pool of unminted keys) without
   * deleting it: it stays listed but refuses to sign. Idempotent; resolves once durable.
   * @throws UnknownKeyError
   */
  retire(tokenId: bigint, at?: Date): Promise<StoredKey>;
  /**
   * A deterministic secret (32 bytes by default) for one use, derived from the keystore's root
   * secret (HKDF-SHA256; ./rootSecret): the same keystore, `purpose` and `id` always give the same
   * bytes, another keystore never does. `purpose` is a lowercase name saying what the bytes are
   * for (e.g. "claim-key", "action-key", "encryption"), so no two uses share a secret. The bytes
   * must never leave the oracle (no sandbox, no log, no response).
   */
  deriveSecret(purpose: string, id: Uint8Array, length?: number): Uint8Array;
  /**
   * The signing key derived from the root secret for (`purpose`, `id`) — e.g. a claimed key:
   * ("claim-key", derivedKeyId) — stored durably like a generated key and resolved once stored
   * (so route it on chain only after this resolves). The same keystore, purpose and id always
   * give the same key; asking again returns the stored key. Its private half never leaves.
   * Optional: a keystore without it (stand-ins in tests and the proof verifier) cannot claim.
   */
  deriveKey?(purpose: string, id: Uint8Array, keyType?: number): Promise<StoredKey>;
}
