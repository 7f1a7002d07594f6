/**
 * Encryption under access-control conditions with the oracle's own key (LIT-AUTH.md E, the
 * "AEAD" stand-in): Lit's identity string and `{ ciphertext, dataToEncryptHash }` shape, with
 * XChaCha20-Poly1305 (@noble/ciphers) instead of Lit's BLS12-381 identity-based encryption.
 *
 * - key = `keystore.deriveSecret("encryption", utf8(identity))` (32 bytes, HKDF from the sealed
 *   root secret; never leaves the oracle), so every (conditions, data) pair has its own key;
 * - ciphertext = base64(`0x01` ‖ nonce (24 random bytes) ‖ AEAD(key, nonce, plaintext, aad =
 *   identity)); the version byte lets a later scheme coexist;
 * - decryption recomputes the identity from the conditions and data hash the caller gives: any
 *   change to either gives another key and identity, and Poly1305 refuses the ciphertext; the
 *   plaintext's sha256 must then equal `dataToEncryptHash` as well.
 *
 * Why not BLS IBE: a single key holder gains nothing from it (the oracle holds the whole key
 * either way) and Lit's SDK could not decrypt our ciphertexts without Lit's network key anyway.
 * The conditions are checked before any key is derived (see decryptForCaller's callers).
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha";
import { randomBytes } from "@noble/ciphers/webcrypto";
import { utf8ToBytes } from "@noble/hashes/utils";
import { fromBase64, toBase64 } from "../../bytes";
import { CodedError } from "../../codedError";
import type { Keystore } from "../keystore";
import { dataToEncryptHashOf } from "./canonical";

export const ENCRYPTION_PURPOSE = "encryption";
const VERSION = 1;
const NONCE_BYTES = 24;
/** Largest plaintext encrypted in one call. */
export const MAX_PLAINTEXT_BYTES = 1024 * 1024;

export type DecryptionErrorCode = "DECRYPTION_FAILED";

export class DecryptionError extends CodedError<DecryptionErrorCode> {
  constructor(message: string) {
    super("DECRYPTION_FAILED", message);
  }
}

function keyFor(keystore: Keystore, identity: string): Uint8Array {
  return keystore.deriveSecret(ENCRYPTION_PURPOSE, utf8ToBytes(identity), 32);
}

/** `{ ciphertext, dataToEncryptHash }` for `identity` (which must embed the same data hash). */
export function encryptForIdentity(
  keystore: Keystore,
  identity: string,
  plaintext: Uint8Array,
): string {
  if (plaintext.length > MAX_PLAINTEXT_BYTES) {
    throw new DecryptionError(`at most ${MAX_PLAINTEXT_BYTES} bytes can be encrypted at once`);
  }
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = xchacha20poly1305(
    keyFor(keystore, identity),
    nonce,
    utf8ToBytes(identity),
  ).encrypt(plaintext);
  const out = new Uint8Array(1 + NONCE_BYTES + sealed.length);
  out[0] = VERSION;
  out.set(nonce, 1);
  out.set(sealed, 1 + NONCE_BYTES);
  return toBase64(out);
}

/** The plaintext, or DecryptionError (wrong conditions or data hash, another keystore, damage). */
export function decryptForIdentity(
  keystore: Keystore,
  identity: string,
  ciphertext: string,
  dataToEncryptHash: string,
): Uint8Array {
  const data = fromBase64(ciphertext) ?? new Uint8Array(0);
  if (data.length < 1 + NONCE_BYTES + 16 || data[0] !== VERSION) {
    throw new DecryptionError(
      "the ciphertext is not one this oracle made (base64 of version 1, nonce, XChaCha20-Poly1305)",
    );
  }
  let plaintext: Uint8Array;
  try {
    plaintext = xchacha20poly1305(
      keyFor(keystore, identity),
      data.subarray(1, 1 + NONCE_BYTES),
      utf8ToBytes(identity),
    ).decrypt(data.subarray(1 + NONCE_BYTES));
  } catch {
    throw new DecryptionError(
      "decryption failed: the ciphertext was not encrypted under these conditions and this " +
        "dataToEncryptHash by this oracle's keystore",
    );
  }
  if (dataToEncryptHashOf(plaintext) !== dataToEncryptHash) {
    throw new DecryptionError("the decrypted data does not hash to dataToEncryptHash");
  }
  return plaintext;
}
