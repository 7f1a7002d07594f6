/**
 * Hash functions the sandbox's ethers shims (./shims.ts) and `crypto.subtle.digest` ask the
 * worker for: the same bytes as js-sha3 / hash.js / WebCrypto, at native speed instead of
 * QuickJS-interpreted JavaScript. Inputs and outputs are bytes in, lowercase hex out.
 */
import { createHash, createHmac } from "node:crypto";
import { keccak_256 } from "@noble/hashes/sha3";
import { ripemd160 } from "@noble/hashes/ripemd160";
import { hmac } from "@noble/hashes/hmac";
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

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

export function digestBytes(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array {
  switch (algorithm) {
    case "keccak256":
      return keccak_256(data);
    case "ripemd160":
      return ripemd160(data);
    default:
      return new Uint8Array(createHash(algorithm).update(data).digest());
  }
}

export function hmacBytes(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  switch (algorithm) {
    case "keccak256":
      return hmac(keccak_256, key, data);
    case "ripemd160":
      return hmac(ripemd160, key, data);
    default:
      return new Uint8Array(createHmac(algorithm, key).update(data).digest());
  }
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
