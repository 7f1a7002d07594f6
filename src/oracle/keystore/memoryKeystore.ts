/** Non-persistent keystore: the `Keystore` contract without a disk, for tests and demos. */
import { KEY_TYPE_ECDSA } from "../../protocol";
import type { LitSignature } from "../signing";
import {
  type EntropySource,
  KeyRing,
  type StoredKey,
  describeKey,
  generateSigningKey,
  secureEntropy,
} from "./keyRing";
import { deriveFromRoot, derivedEntropy } from "./rootSecret";
import type { Keystore } from "./types";

/** Non-persistent keystore: keys vanish with the process. */
export class MemoryKeystore implements Keystore {
  readonly #ring = new KeyRing();
  readonly #entropy: EntropySource;
  readonly #rootSecret: Uint8Array;

  /**
   * `entropy` defaults to node:crypto; tests inject a known source (see FileKeystoreOptions).
   * `rootSecret` (32 bytes) makes derived secrets reproducible across instances; default random.
   */
  constructor(opts: { entropy?: EntropySource; rootSecret?: Uint8Array } = {}) {
    this.#entropy = opts.entropy ?? secureEntropy;
    this.#rootSecret = Uint8Array.from(opts.rootSecret ?? this.#entropy(32));
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

  deriveSecret(purpose: string, id: Uint8Array, length?: number): Uint8Array {
    return deriveFromRoot(this.#rootSecret, purpose, id, length);
  }

  async deriveKey(
    purpose: string,
    id: Uint8Array,
    keyType: number = Number(KEY_TYPE_ECDSA),
  ): Promise<StoredKey> {
    const signingKey = generateSigningKey(keyType, derivedEntropy(this.#rootSecret, purpose, id));
    const info = describeKey(signingKey, keyType, new Date().toISOString());
    const held = this.#ring.get(info.tokenId);
    if (held !== undefined) return held;
    this.#ring.add(info, signingKey);
    return { ...info };
  }
}
