/**
 * Lit-compatible ECDSA (secp256k1) signature helpers.
 *
 * Lit's `executeJs` returns every signature as `{ r, s, recid, signature, publicKey, dataSigned }`
 * (js-sdk v7 `SigResponse`). Clients rebuild the signature as `joinSignature({ r: "0x" + r, ... })`,
 * so `r`/`s` carry NO `0x` prefix while `signature`, `publicKey` and `dataSigned` do. We emit all
 * hex in lowercase; `publicKey` is always the 65-byte uncompressed form (`0x04…`), because that is
 * the form hashed into the PKP tokenId on chain.
 */
import { CodedError } from "../codedError";
import { ethers } from "ethers";

/** Lit's signature result shape (one entry of `executeJs().signatures`). */
export interface LitSignature {
  /** 32-byte r, 64 lowercase hex chars, no `0x`. */
  r: string;
  /** 32-byte low-s s, 64 lowercase hex chars, no `0x`. */
  s: string;
  /** y-parity of R: 0 or 1 (= v - 27). */
  recid: 0 | 1;
  /** `0x` + 65 bytes: r ‖ s ‖ v, with v = 27 | 28. */
  signature: string;
  /** `0x04…` uncompressed secp256k1 public key, lowercase hex. */
  publicKey: string;
  /** `0x` + the 32-byte digest that was signed. */
  dataSigned: string;
}

export type SigningErrorCode = "INVALID_DIGEST" | "INVALID_PUBLIC_KEY" | "INVALID_SIGNATURE";

/** Thrown when an input to a signing helper is not what the Lit signature format requires. */
export class SigningError extends CodedError<SigningErrorCode> {}

/** secp256k1 group order; a canonical ("low-s") signature has s <= n/2 (EIP-2). */
export const SECP256K1_ORDER = BigInt(
  "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
);
const SECP256K1_HALF_ORDER = SECP256K1_ORDER >> 1n;

/** Accepts a 32-byte digest as bytes or 0x-hex and returns it as lowercase 0x-hex. */
export function normalizeDigest(digest: Uint8Array | string): string {
  let bytes: Uint8Array;
  try {
    bytes = ethers.getBytes(digest);
  } catch {
    throw new SigningError(
      "INVALID_DIGEST",
      "digest must be 32 bytes given as a Uint8Array or 0x-prefixed hex string",
    );
  }
  if (bytes.length !== 32) {
    throw new SigningError(
      "INVALID_DIGEST",
      `digest must be exactly 32 bytes (hash your message first, e.g. with keccak256), got ${bytes.length}`,
    );
  }
  return ethers.hexlify(bytes);
}

/**
 * Returns the 65-byte uncompressed `0x04…` form of a secp256k1 public key. Compressed (33-byte)
 * keys are expanded, because the PKP tokenId is defined over the uncompressed form only.
 */
export function normalizePublicKey(publicKey: Uint8Array | string): string {
  try {
    return ethers.SigningKey.computePublicKey(publicKey, false);
  } catch {
    throw new SigningError(
      "INVALID_PUBLIC_KEY",
      "public key must be a valid secp256k1 point: 65 bytes starting with 0x04 (or 33 compressed bytes)",
    );
  }
}

/** PKP tokenId = uint256(keccak256(65-byte uncompressed public key incl. the 0x04 prefix)). */
export function tokenIdFromPublicKey(publicKey: Uint8Array | string): bigint {
  return BigInt(ethers.keccak256(normalizePublicKey(publicKey)));
}

/** Checksummed Ethereum address of a public key (keccak of the 64 bytes after 0x04, last 20). */
export function ethAddressFromPublicKey(publicKey: Uint8Array | string): string {
  return ethers.computeAddress(normalizePublicKey(publicKey));
}

/** EIP-191 personal-message digest, identical to `ethers.hashMessage` (what Lit's node signs for `ethPersonalSignMessageEcdsa`). */
export function ethPersonalMessageDigest(message: string | Uint8Array): string {
  return ethers.hashMessage(message);
}

/** Converts an ethers signature over `digest` by `publicKey` into Lit's result shape. */
export function toLitSignature(
  sig: ethers.SignatureLike,
  publicKey: Uint8Array | string,
  digest: Uint8Array | string,
): LitSignature {
  let parsed: ethers.Signature;
  try {
    parsed = ethers.Signature.from(sig);
  } catch (err) {
    throw new SigningError(
      "INVALID_SIGNATURE",
      `not a valid secp256k1 signature: ${(err as Error).message}`,
    );
  }
  return {
    r: strip0x(parsed.r),
    s: strip0x(parsed.s),
    recid: parsed.yParity,
    signature: parsed.serialized.toLowerCase(),
    publicKey: normalizePublicKey(publicKey).toLowerCase(),
    dataSigned: normalizeDigest(digest),
  };
}

export interface LitSignatureVerification {
  ok: boolean;
  /** Checksummed address recovered from `signature` over `dataSigned`; "" if recovery was impossible. */
  recovered: string;
  /** Why `ok` is false (absent when ok). */
  reason?: string;
}

/**
 * Checks a Lit signature for internal consistency and validity: r/s/recid agree with the packed
 * `signature`, s is low (canonical), and the signer recovered over `dataSigned` is the owner of
 * `publicKey`. Never throws: malformed input yields `{ ok: false, reason }`.
 */
export function verifyLitSignature(sig: LitSignature): LitSignatureVerification {
  const fail = (reason: string, recovered = ""): LitSignatureVerification => ({
    ok: false,
    recovered,
    reason,
  });
  const hex64 = /^[0-9a-fA-F]{64}$/;
  if (!hex64.test(sig.r) || !hex64.test(sig.s)) {
    return fail("r and s must each be 64 hex characters without a 0x prefix");
  }
  if (sig.recid !== 0 && sig.recid !== 1) return fail("recid must be 0 or 1");
  if (!/^0x[0-9a-fA-F]{130}$/.test(sig.signature)) {
    return fail("signature must be 0x followed by 65 bytes (r ‖ s ‖ v)");
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(sig.dataSigned)) return fail("dataSigned must be a 32-byte hex");

  const packed = sig.signature.slice(2).toLowerCase();
  const v = parseInt(packed.slice(128, 130), 16);
  if (packed.slice(0, 64) !== sig.r.toLowerCase()) return fail("r does not match signature");
  if (packed.slice(64, 128) !== sig.s.toLowerCase()) return fail("s does not match signature");
  if (v !== 27 && v !== 28) return fail(`v must be 27 or 28, got ${v}`);
  if (v - 27 !== sig.recid) return fail(`recid ${sig.recid} does not match v ${v}`);
  if (BigInt("0x" + sig.s) > SECP256K1_HALF_ORDER) return fail("s is not canonical (high-s)");

  let expectedSigner: string;
  try {
    expectedSigner = ethAddressFromPublicKey(sig.publicKey);
  } catch {
    return fail("publicKey is not a valid secp256k1 public key");
  }
  let recovered: string;
  try {
    recovered = ethers.recoverAddress(sig.dataSigned, sig.signature);
  } catch {
    return fail("no public key can be recovered from signature over dataSigned");
  }
  if (recovered !== expectedSigner) {
    return fail(`recovered ${recovered}, but publicKey belongs to ${expectedSigner}`, recovered);
  }
  return { ok: true, recovered };
}

function strip0x(hex: string): string {
  return (hex.startsWith("0x") ? hex.slice(2) : hex).toLowerCase();
}
