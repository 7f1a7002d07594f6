/**
 * Bytes ↔ text without Buffer: hex, base64 and base64url. What runs in the explorer's browser
 * bundle (the sandbox, the execution host, the proof checks) uses these, so Node and the browser
 * encode exactly alike.
 */
import { bytesToHex, hexToBytes } from "@noble/hashes/utils";

/** Lowercase hex, no 0x. */
export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

/** Hex (with or without 0x, even length) → bytes; throws on anything else. */
export function fromHex(hex: string): Uint8Array {
  return hexToBytes(hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex);
}

const ALPHABET = new TextEncoder().encode(
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
);
const PAD = 61; // "="
const ASCII = new TextDecoder("latin1");

/** Standard padded base64 (into ASCII bytes, then one decode: btoa is slow in Node). */
export function toBase64(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  const whole = bytes.length - (bytes.length % 3);
  let o = 0;
  for (let i = 0; i < whole; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = ALPHABET[n >> 18];
    out[o++] = ALPHABET[(n >> 12) & 63];
    out[o++] = ALPHABET[(n >> 6) & 63];
    out[o++] = ALPHABET[n & 63];
  }
  const left = bytes.length - whole;
  if (left > 0) {
    const n = (bytes[whole] << 16) | (left > 1 ? bytes[whole + 1] << 8 : 0);
    out[o++] = ALPHABET[n >> 18];
    out[o++] = ALPHABET[(n >> 12) & 63];
    out[o++] = left > 1 ? ALPHABET[(n >> 6) & 63] : PAD;
    out[o++] = PAD;
  }
  return ASCII.decode(out);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const VALUES = new Uint8Array(128);
ALPHABET.forEach((code, value) => (VALUES[code] = value));

/** Decodes standard base64 (padding optional); undefined when it is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const clean = text.replace(/=+$/, "");
  if (clean.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  let i = 0;
  for (; i + 4 <= clean.length; i += 4) {
    const n =
      (VALUES[clean.charCodeAt(i)] << 18) |
      (VALUES[clean.charCodeAt(i + 1)] << 12) |
      (VALUES[clean.charCodeAt(i + 2)] << 6) |
      VALUES[clean.charCodeAt(i + 3)];
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  const left = clean.length - i;
  if (left >= 2) {
    const n =
      (VALUES[clean.charCodeAt(i)] << 18) |
      (VALUES[clean.charCodeAt(i + 1)] << 12) |
      (left > 2 ? VALUES[clean.charCodeAt(i + 2)] << 6 : 0);
    out[o++] = n >> 16;
    if (left > 2) out[o++] = (n >> 8) & 255;
  }
  return out;
}

/** Decodes base64url (or standard base64), padding optional; undefined when it is neither. */
export function fromBase64Url(text: string): Uint8Array | undefined {
  const standard = text.replace(/-/g, "+").replace(/_/g, "/");
  return fromBase64(standard);
}
