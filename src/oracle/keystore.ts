/**
 * The oracle's keystore: the only place PKP private keys exist. Two implementations:
 * - `FileKeystore` (./fileKeystore): durable, encrypted at rest; what the service uses.
 * - `MemoryKeystore`: same contract without persistence, for unit tests and throwaway demos.
 */
import {
  type EntropySource,
  KeyRing,
  type StoredKey,
  describeKey,
  generateSigningKey,
  secureEntropy,
} from "./keyRing";
import type { LitSignature } from "./signing";
import { KEY_TYPE_ECDSA } from "../protocol";

export { type EntropySource, type StoredKey } from "./keyRing";
export { FileKeystore, type FileKeystoreOptions, type KeystoreProblem } from "./fileKeystore";
export * from "./keystoreErrors";

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
}

/** Non-persistent keystore: keys vanish with the process. */
export class MemoryKeystore implements Keystore {
  readonly #ring = new KeyRing();
  readonly #entropy: EntropySource;

  /** `entropy` defaults to node:crypto; tests inject a known source (see FileKeystoreOptions). */
  constructor(opts: { entropy?: EntropySource } = {}) {
    this.#entropy = opts.entropy ?? secureEntropy;
  }

  async generate(keyType: number = Number(KEY_TYPE_ECDSA)): Promise<StoredKey> {
    const signingKey = generateSigningKey(keyType, this.#entropy);
    const info = describeKey(signingKey, keyType, new Date().toISOString());
    this.#ring.add(info, signingKey);
    return { ...info };
  }

  has(tokenId: bigint): boolean {
    return this.#ring.has(tokenId);
  }

  list(): StoredKey[] {
    return this.#ring.list();
  }

  get(tokenId: bigint): StoredKey | undefined {
    return this.#ring.get(tokenId);
  }

  signDigest(tokenId: bigint, digest: Uint8Array | string): LitSignature {
    return this.#ring.sign(tokenId, digest);
  }

  async retire(tokenId: bigint, at: Date = new Date()): Promise<StoredKey> {
    const info = this.#ring.retiredInfo(tokenId, at.toISOString());
    this.#ring.replaceInfo(info);
    return { ...info };
  }
}
