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
import type { Keystore } from "./types";

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
