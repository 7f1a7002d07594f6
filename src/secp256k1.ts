/**
 * secp256k1 signing and public-key recovery for Node: libsecp256k1 through the `secp256k1`
 * package's prebuilt N-API binding when it loads, @noble/curves otherwise.
 *
 * Why not @noble alone: recovery in pure JavaScript costs ≈ 1.8 ms and a signature ≈ 0.4 ms on
 * this project's 2-core machines; libsecp256k1 does them in ≈ 0.05 and ≈ 0.04 ms. Every authSig,
 * session capability and stream commit is one recovery and every PKP signature one sign, so at
 * the social backend's load (docs/PERFORMANCE.md, bench:social) they were the oracle's and the
 * store's largest CPU cost per request. Both backends give the same answers — RFC 6979
 * deterministic low-s signatures, bit for bit; the same keys recovered and the same inputs
 * refused — and test/secp256k1.test.ts holds them to it. Where the binding cannot load (a platform
 * without a prebuild), @noble does the work: slower, same results.
 *
 * In the explorer's browser bundle (authSig checks reach it through the execution host) there is
 * no Node and no binding: @noble serves, and the page's build leaves the binding out
 * (src/explorer/assets.ts).
 */
import { secp256k1 as noble } from "@noble/curves/secp256k1";
import {
  dataSlice,
  getAddress,
  getBytes,
  hashMessage,
  keccak256,
  Signature,
  type SignatureLike,
} from "ethers";

/** A recoverable ECDSA signature: r and s as 32-byte big-endian, recovery = y parity of R. */
export interface RecoverableSignature {
  r: Uint8Array;
  s: Uint8Array;
  recovery: 0 | 1;
}

/** One implementation of the two operations (both are exported for the tests that compare them). */
export interface Secp256k1Implementation {
  /**
   * Signs a 32-byte digest: deterministic (RFC 6979), low s. Throws when the key is not a scalar
   * in [1, n).
   */
  sign(digest: Uint8Array, privateKey: Uint8Array): RecoverableSignature;
  /**
   * The uncompressed public key (65 bytes, 0x04 ‖ x ‖ y) whose signature of `digest` this is.
   * Throws when r or s is 0 or not below the curve order, when r is no point's x, or when the
   * result would be the point at infinity. High s is accepted, as ethers' and @noble's recovery
   * accept it: callers that need low s check it themselves.
   */
  recover(digest: Uint8Array, signature: RecoverableSignature): Uint8Array;
}

function compact(signature: RecoverableSignature): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes.set(signature.r, 0);
  bytes.set(signature.s, 32);
  return bytes;
}

export const NOBLE_SECP256K1: Secp256k1Implementation = {
  sign(digest, privateKey) {
    const signature = noble.sign(digest, privateKey, { lowS: true });
    const bytes = signature.toCompactRawBytes();
    return {
      r: bytes.slice(0, 32),
      s: bytes.slice(32, 64),
      recovery: signature.recovery as 0 | 1,
    };
  },
  recover(digest, signature) {
    return noble.Signature.fromCompact(compact(signature))
      .addRecoveryBit(signature.recovery)
      .recoverPublicKey(digest)
      .toRawBytes(false);
  },
};

/** The part of the `secp256k1` package's API used here. */
interface NativeBinding {
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaRecover(
    signature: Uint8Array,
    recid: number,
    message: Uint8Array,
    compressed: boolean,
  ): Uint8Array;
}

/** libsecp256k1, or undefined when its binding cannot load here (PKP_SECP256K1=noble: never). */
function loadNative(): Secp256k1Implementation | undefined {
  if (typeof process === "undefined" || process.versions?.node === undefined) return undefined;
  if (process.env.PKP_SECP256K1 === "noble") return undefined;
  let binding: NativeBinding;
  try {
    // `secp256k1/bindings` is the package's native entry; its main entry would fall back to
    // `elliptic` (slower than @noble) instead of failing, so it is not used.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS, optional
    binding = require("secp256k1/bindings") as NativeBinding;
  } catch {
    return undefined;
  }
  return {
    sign(digest, privateKey) {
      const { signature, recid } = binding.ecdsaSign(digest, privateKey);
      return { r: signature.slice(0, 32), s: signature.slice(32, 64), recovery: recid as 0 | 1 };
    },
    recover(digest, signature) {
      try {
        return binding.ecdsaRecover(compact(signature), signature.recovery, digest, false);
      } catch (error) {
        throw new RangeError("signature recovers to no public key", { cause: error });
      }
    },
  };
}

/** libsecp256k1 when it loads here, else undefined. */
export const NATIVE_SECP256K1: Secp256k1Implementation | undefined = loadNative();

const chosen = NATIVE_SECP256K1 ?? NOBLE_SECP256K1;

/** Which implementation this process uses (benchmarks and tests print it). */
export const SECP256K1_BACKEND: "libsecp256k1" | "noble" = NATIVE_SECP256K1
  ? "libsecp256k1"
  : "noble";

function checkDigest(digest: Uint8Array): void {
  if (digest.length !== 32) throw new RangeError(`digest must be 32 bytes, got ${digest.length}`);
}

/** Signs a 32-byte digest: deterministic (RFC 6979), low s (see Secp256k1Implementation). */
export function signDigest(digest: Uint8Array, privateKey: Uint8Array): RecoverableSignature {
  checkDigest(digest);
  return chosen.sign(digest, privateKey);
}

/** The uncompressed public key that made `signature` of `digest` (see Secp256k1Implementation). */
export function recoverPublicKey(digest: Uint8Array, signature: RecoverableSignature): Uint8Array {
  checkDigest(digest);
  return chosen.recover(digest, signature);
}

/**
 * ethers' `recoverAddress(digest, signature)`, same parsing and refusals (ethers' `Signature.from`
 * reads the signature: 65 bytes with v 0/1/27/28, or r/s/v fields), with the recovery done here.
 */
export function recoverAddress(digest: Uint8Array | string, signature: SignatureLike): string {
  const parsed = Signature.from(signature);
  const publicKey = recoverPublicKey(getBytes(digest), {
    r: getBytes(parsed.r),
    s: getBytes(parsed.s),
    recovery: parsed.yParity,
  });
  // computeAddress's own steps: the recovered key is a valid point already.
  return getAddress(dataSlice(keccak256(publicKey.subarray(1)), 12));
}

/** ethers' `verifyMessage(message, signature)`: the EIP-191 signer of a personal message. */
export function verifyMessage(message: string | Uint8Array, signature: SignatureLike): string {
  return recoverAddress(hashMessage(message), signature);
}
