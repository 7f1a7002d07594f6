/** How values are named on the page: auth method types, scopes, token ids. */
import { getAddress, toBeHex } from "ethers";
import { cidFromBytes } from "../../src/cid";

/** Lit's auth method types (docs: LIT-AUTH.md §A.1). */
export const AUTH_METHOD_TYPE_NAMES: Readonly<Record<string, string>> = {
  "1": "Address (EthWallet)",
  "2": "Lit Action",
  "3": "WebAuthn",
  "4": "Discord",
  "5": "Google (access token)",
  "6": "Google JWT",
  "7": "OTP (legacy)",
  "8": "Apple JWT",
  "9": "Stytch OTP",
  "10": "Stytch email factor",
  "11": "Stytch SMS factor",
  "12": "Stytch WhatsApp factor",
  "13": "Stytch TOTP factor",
};

export function authMethodTypeName(type: bigint): string {
  return AUTH_METHOD_TYPE_NAMES[type.toString()] ?? `type ${type}`;
}

/** Lit's scopes (AUTH_METHOD_SCOPE); any other id is shown as its number. */
const SCOPE_NAMES: Readonly<Record<number, string>> = {
  0: "NoPermissions",
  1: "SignAnything",
  2: "PersonalSign",
};

export function scopeName(scope: number): string {
  return SCOPE_NAMES[scope] === undefined ? `scope ${scope}` : `${scope} ${SCOPE_NAMES[scope]}`;
}

/** The token id as 32-byte hex (the form used in URLs). */
export function tokenHex(tokenId: bigint): string {
  return toBeHex(tokenId, 32);
}

/** A token id typed or linked as 0x-hex or decimal; undefined when it is neither. */
export function parseTokenId(text: string): bigint | undefined {
  const trimmed = text.trim();
  if (!/^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$/.test(trimmed)) return undefined;
  const value = BigInt(trimmed);
  return value < 2n ** 256n ? value : undefined;
}

/** The CID of an on-chain action id (34-byte multihash), or undefined for other bytes. */
export function cidOf(idHex: string): string | undefined {
  try {
    return cidFromBytes(idHex);
  } catch {
    return undefined;
  }
}

/** The address of an auth method of type 1 (its id is the 20 address bytes). */
export function addressOf(idHex: string): string | undefined {
  return /^0x[0-9a-fA-F]{40}$/.test(idHex) ? getAddress(idHex) : undefined;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;
}
