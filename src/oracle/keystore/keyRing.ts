/**
 * In-memory holder of PKP signing keys, shared by the memory and file keystores. Private keys
 * live only in a private field as ethers `SigningKey`s; callers get public metadata copies and
 * signatures, never key material.
 */
import { randomBytes } from "node:crypto";
import { ethers } from "ethers";

import { KEY_TYPE_ECDSA } from "../../protocol";
import { signDigest } from "../../secp256k1";
import { KeyRetiredError, UnknownKeyError, UnsupportedKeyTypeError } from "./errors";
import {
  type LitSignature,
  SECP256K1_ORDER,
  ethAddressFromPublicKey,
  normalizeDigest,
  toLitSignature,
  tokenIdFromPublicKey,
} from "../signing";

/** Public metadata of a PKP key. */
export interface StoredKey {
  tokenId: bigint;
  /** `0x04…` uncompressed, 65 bytes, lowercase hex. */
  publicKey: string;
  /** Checksummed. */
  ethAddress: string;
  keyType: number;
  /** ISO-8601 time the key was generated. */
  createdAt: string;
  /** ISO-8601 time the key was retired; absent while the key is active. */
  retiredAt?: string;
}

interface Entry {
  info: Readonly<StoredKey>;
  signingKey: ethers.SigningKey;
}

/** Source of key randomness: returns `length` bytes. */
export type EntropySource = (length: number) => Uint8Array;

/** Cryptographically secure default entropy. */
export const secureEntropy: EntropySource = (length) => randomBytes(length);

/** A new uniformly random secp256k1 private key (rejection-sampled into [1, n-1]). */
export function generateSigningKey(
  keyType: number,
  entropy: EntropySource = secureEntropy,
): ethers.SigningKey {
  if (BigInt(keyType) !== KEY_TYPE_ECDSA) throw new UnsupportedKeyTypeError(keyType);
  for (;;) {
    const candidate = entropy(32);
    if (candidate.length !== 32) throw new RangeError("entropy source must return 32 bytes");
    const scalar = BigInt(ethers.hexlify(candidate));
    if (scalar > 0n && scalar < SECP256K1_ORDER) return new ethers.SigningKey(candidate);
  }
}

export function describeKey(
  signingKey: ethers.SigningKey,
  keyType: number,
  createdAt: string,
): StoredKey {
  const publicKey = signingKey.publicKey.toLowerCase();
  return {
    tokenId: tokenIdFromPublicKey(publicKey),
    publicKey,
    ethAddress: ethAddressFromPublicKey(publicKey),
    keyType,
    createdAt,
  };
}

export class KeyRing {
  readonly #entries = new Map<bigint, Entry>();

  add(info: StoredKey, signingKey: ethers.SigningKey): void {
    this.#entries.set(info.tokenId, { info: Object.freeze({ ...info }), signingKey });
  }

  has(tokenId: bigint): boolean {
    return this.#entries.has(tokenId);
  }

  get(tokenId: bigint): StoredKey | undefined {
    const entry = this.#entries.get(tokenId);
    return entry ? { ...entry.info } : undefined;
  }

  /** Oldest first, so listings are stable across restarts. */
  list(): StoredKey[] {
    return [...this.#entries.values()]
      .map((entry) => ({ ...entry.info }))
      .sort((a, b) =>
        a.createdAt === b.createdAt
          ? Number(a.tokenId > b.tokenId) - Number(a.tokenId < b.tokenId)
          : a.createdAt < b.createdAt
            ? -1
            : 1,
      );
  }

  /** For persistence code that must re-encrypt an existing key (e.g. when retiring it). */
  signingKeyOf(tokenId: bigint): ethers.SigningKey {
    return this.#require(tokenId).signingKey;
  }

  sign(tokenId: bigint, digest: Uint8Array | string): LitSignature {
    const { info, signingKey } = this.#require(tokenId);
    if (info.retiredAt !== undefined) throw new KeyRetiredError(tokenId, info.retiredAt);
    const dataSigned = normalizeDigest(digest);
    // Low s, RFC 6979: the same signature ethers' SigningKey.sign gives, natively when it can.
    const { r, s, recovery } = signDigest(
      ethers.getBytes(dataSigned),
      ethers.getBytes(signingKey.privateKey),
    );
    return toLitSignature(
      { r: ethers.hexlify(r), s: ethers.hexlify(s), v: 27 + recovery },
      info.publicKey,
      dataSigned,
    );
  }

  /** Metadata as it would be after retiring; does not change the ring (see `replaceInfo`). */
  retiredInfo(tokenId: bigint, retiredAt: string): StoredKey {
    const { info } = this.#require(tokenId);
    return { ...info, retiredAt: info.retiredAt ?? retiredAt };
  }

  replaceInfo(info: StoredKey): void {
    const entry = this.#require(info.tokenId);
    this.#entries.set(info.tokenId, { ...entry, info: Object.freeze({ ...info }) });
  }

  #require(tokenId: bigint): Entry {
    const entry = this.#entries.get(tokenId);
    if (!entry) throw new UnknownKeyError(tokenId);
    return entry;
  }
}
