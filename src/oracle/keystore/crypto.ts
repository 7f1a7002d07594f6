/**
 * Encryption at rest for the keystore: scrypt turns the passphrase into a 256-bit key, and each
 * secret is sealed with AES-256-GCM under a fresh 96-bit IV. GCM's tag authenticates the
 * ciphertext together with "additional data" naming what the secret belongs to, so a key file
 * copied under another tokenId's name fails to open instead of signing for the wrong PKP.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from "node:crypto";

export interface ScryptParams {
  /** CPU/memory cost, a power of two. Memory used ≈ 128 · N · r bytes. */
  N: number;
  r: number;
  p: number;
}

/** ~32 MiB and ~100 ms per open on a laptop; tests pass a much smaller N. */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = { N: 2 ** 15, r: 8, p: 1 };

// Bounds also protect `open` from a tampered header demanding gigabytes of memory.
const MAX_LOG2_N = 20;
const MAX_R = 32;
const MAX_P = 16;

export const KEY_LENGTH = 32;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

/** Returns why `params` are unusable, or undefined when they are fine. */
export function scryptParamsProblem(params: ScryptParams): string | undefined {
  const { N, r, p } = params;
  if (!Number.isInteger(N) || N < 2 || N > 2 ** MAX_LOG2_N || (N & (N - 1)) !== 0) {
    return `scrypt N must be a power of two between 2 and 2^${MAX_LOG2_N}, got ${N}`;
  }
  if (!Number.isInteger(r) || r < 1 || r > MAX_R) return `scrypt r must be 1..${MAX_R}, got ${r}`;
  if (!Number.isInteger(p) || p < 1 || p > MAX_P) return `scrypt p must be 1..${MAX_P}, got ${p}`;
  return undefined;
}

export function deriveKey(passphrase: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase.normalize("NFKC"),
      salt,
      KEY_LENGTH,
      // Node's default maxmem (32 MiB) is exactly the default cost; leave headroom.
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

/** AES-256-GCM ciphertext with everything needed to open it except the key. Hex encoded. */
export interface SealedBox {
  iv: string;
  ciphertext: string;
  tag: string;
}

export function seal(key: Buffer, plaintext: Uint8Array, associatedData: string): SealedBox {
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.from(associatedData, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    iv: iv.toString("hex"),
    ciphertext: ciphertext.toString("hex"),
    tag: cipher.getAuthTag().toString("hex"),
  };
}

/** Decrypts and authenticates; throws if the key, the data or the associated data differ. */
export function unseal(key: Buffer, box: SealedBox, associatedData: string): Buffer {
  const iv = hexField(box.iv, "iv", IV_LENGTH);
  const tag = hexField(box.tag, "tag", TAG_LENGTH);
  const ciphertext = hexField(box.ciphertext, "ciphertext");
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_LENGTH });
  decipher.setAAD(Buffer.from(associatedData, "utf8"));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/** Shape check for sealed boxes read from disk (hex strings of the right lengths). */
export function isSealedBox(value: unknown): value is SealedBox {
  if (typeof value !== "object" || value === null) return false;
  const box = value as Record<string, unknown>;
  const isHex = (field: unknown, bytes?: number): boolean =>
    typeof field === "string" &&
    /^([0-9a-f]{2})+$/i.test(field) &&
    (bytes === undefined || field.length === bytes * 2);
  return isHex(box.iv, IV_LENGTH) && isHex(box.tag, TAG_LENGTH) && isHex(box.ciphertext);
}

function hexField(hex: string, name: string, expectedLength?: number): Buffer {
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new Error(`sealed box ${name} is not hex`);
  const bytes = Buffer.from(hex, "hex");
  if (expectedLength !== undefined && bytes.length !== expectedLength) {
    throw new Error(`sealed box ${name} must be ${expectedLength} bytes, got ${bytes.length}`);
  }
  return bytes;
}
