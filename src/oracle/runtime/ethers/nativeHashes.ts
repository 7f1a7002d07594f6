/**
 * Hash functions the sandbox's ethers shims (./shims.ts) and `crypto.subtle.digest` ask the
 * worker for: the same bytes as js-sha3 / hash.js / WebCrypto, compiled JavaScript of the host
 * instead of QuickJS-interpreted JavaScript. Inputs and outputs are bytes in, lowercase hex out.
 * @noble/hashes rather than node:crypto: the sandbox also runs in the explorer's browser worker.
 */
import { hmac } from "@noble/hashes/hmac";
import { ripemd160, sha1 } from "@noble/hashes/legacy";
import { sha224, sha256, sha384, sha512 } from "@noble/hashes/sha2";
import { keccak_256 } from "@noble/hashes/sha3";
import { toHex } from "../../../bytes";
import { keccak256Bytes } from "../../../keccak";
import { secp256k1Op } from "./nativeCurve";

export const HASH_ALGORITHMS = [
  "keccak256",
  "sha1",
  "sha224",
  "sha256",
  "sha384",
  "sha512",
  "ripemd160",
] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

export function isHashAlgorithm(value: string): value is HashAlgorithm {
  return (HASH_ALGORITHMS as readonly string[]).includes(value);
}

const hex = toHex;

const HASHES: Record<HashAlgorithm, typeof sha256> = {
  keccak256: keccak_256,
  sha1,
  sha224,
  sha256,
  sha384,
  sha512,
  ripemd160,
};

export function digestBytes(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array {
  // keccak256 natively where the binding loads (src/keccak.ts): actions hash with it most.
  return algorithm === "keccak256" ? keccak256Bytes(data) : HASHES[algorithm](data);
}

export function hmacBytes(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(HASHES[algorithm], key, data);
}

/** What the shims' `require("#native")` returns (Node side; the worker passes the same functions). */
export const nativeHashes = {
  secp256k1: secp256k1Op,
  digest: (algorithm: string, data: Uint8Array): string => {
    if (!isHashAlgorithm(algorithm)) throw new TypeError(`unknown hash ${algorithm}`);
    return hex(digestBytes(algorithm, data));
  },
  hmac: (algorithm: string, key: Uint8Array, data: Uint8Array): string => {
    if (!isHashAlgorithm(algorithm)) throw new TypeError(`unknown hash ${algorithm}`);
    return hex(hmacBytes(algorithm, key, data));
  },
};
