import { ethers } from "ethers";
import type { TestKey } from "./keys";

/** The field prime p of secp256k1. */
export const SECP256K1_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

/** IPubkeyRouter.KeyStatus, as the ABI returns it. */
export const KeyStatus = {
  Unrouted: 0n,
  Unminted: 1n,
  Minted: 2n,
  Withdrawn: 3n,
  Claimable: 4n,
} as const;

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

function isOnCurve(x: bigint, y: bigint): boolean {
  const p = SECP256K1_P;
  return x < p && y < p && (y * y) % p === (((x * x) % p) * x + 7n) % p;
}

function assertOnCurve(point: { x: bigint; y: bigint }, what: string): void {
  if (!isOnCurve(point.x, point.y)) throw new Error(`${what} is not on secp256k1`);
}

/** 0x04 ‖ x ‖ y, each coordinate as 32 big-endian bytes (they may be >= p, but < 2^256). */
export function pubkeyFromXY(x: bigint, y: bigint): string {
  return ethers.concat(["0x04", ethers.toBeHex(x, 32), ethers.toBeHex(y, 32)]);
}

/** The x and y coordinates of a 65-byte uncompressed key. */
export function xyOf(publicKey: string): { x: bigint; y: bigint } {
  const bytes = ethers.getBytes(publicKey);
  if (bytes.length !== 65) throw new Error(`expected 65 bytes, got ${bytes.length}`);
  return {
    x: ethers.toBigInt(bytes.subarray(1, 33)),
    y: ethers.toBigInt(bytes.subarray(33, 65)),
  };
}

export function yIsOdd(publicKey: string): boolean {
  return (xyOf(publicKey).y & 1n) === 1n;
}

/** uint256(keccak256(bytes)): the token id the router expects for `publicKey`. */
export function tokenIdOf(publicKey: string): bigint {
  return BigInt(ethers.keccak256(publicKey));
}

/** `hex` with bit `bit` of byte `byteIndex` flipped. */
export function flipBit(hex: string, byteIndex: number, bit = 0): string {
  const bytes = ethers.getBytes(hex);
  bytes[byteIndex] ^= 1 << bit;
  return ethers.hexlify(bytes);
}

/** `hex` with its first byte replaced by `prefix`. */
export function withPrefix(hex: string, prefix: number): string {
  const bytes = ethers.getBytes(hex);
  bytes[0] = prefix;
  return ethers.hexlify(bytes);
}

/**
 * A curve point with x = 1 (x + p still fits in 256 bits, so x + p names the same point modulo
 * p: only a range check can refuse it).
 */
export const POINT_WITH_SMALL_X = (() => {
  const x = 1n;
  const y = modPow(x ** 3n + 7n, (SECP256K1_P + 1n) / 4n, SECP256K1_P);
  const point = { x, y };
  assertOnCurve(point, "POINT_WITH_SMALL_X");
  return point;
})();

/**
 * A curve point with y = 1: x is a cube root of 1 - 7 (p ≡ 7 mod 9, so a^((p+2)/9) is a cube
 * root of any cubic residue a). y + p still fits in 256 bits.
 */
export const POINT_WITH_SMALL_Y = (() => {
  const y = 1n;
  const x = modPow(SECP256K1_P + y * y - 7n, (SECP256K1_P + 2n) / 9n, SECP256K1_P);
  const point = { x, y };
  assertOnCurve(point, "POINT_WITH_SMALL_Y");
  return point;
})();

export { mintNextAs } from "./stack";

/** The token ids of `keys`, in order. */
export function idsOf(keys: readonly TestKey[]): bigint[] {
  return keys.map((k) => k.tokenId);
}

/** Sorts bigints ascending (for order-free comparisons). */
export function sortedIds(ids: readonly bigint[]): bigint[] {
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
