/**
 * IPFS CIDs of Lit Action code, and their on-chain byte form.
 *
 * - `cidOfCode` is the ONE place that turns action code into its CIDv0 (`Qm…`). It hashes the
 *   exact UTF-8 bytes as UnixFS/dag-pb with sha2-256 and default chunking (256 KiB chunks,
 *   balanced DAG, 174 links per node), i.e. `ipfs add --only-hash`. It delegates to
 *   `ipfs-only-hash` `Hash.of`, the library Lit's SDK uses, so our ids match Lit's bit for bit.
 * - On chain (PKPPermissions) an action is stored as the 34-byte multihash `0x1220 || sha256`,
 *   which is simply the base58btc decoding of the CIDv0 string. `cidToBytes`/`cidFromBytes`
 *   convert between the two and reject anything that is not a CIDv0 sha2-256 multihash.
 */
import { decodeBase58, encodeBase58, getBytes, hexlify, isHexString } from "ethers";
import { CodedError } from "./codedError";

/** Thrown for a string/bytes value that is not a CIDv0 sha2-256 multihash. */
export class InvalidCidError extends CodedError<"INVALID_CID"> {
  constructor(message: string) {
    super("INVALID_CID", message);
  }
}

// ipfs-only-hash ships no type declarations; this is the one function we use from it. Loaded on
// first use so modules that only convert CIDs (e.g. the sandbox workers) do not pay for it.
type IpfsOnlyHash = { of(content: string | Uint8Array): Promise<string> };
let ipfsOnlyHash: IpfsOnlyHash | undefined;
function loadIpfsOnlyHash(): IpfsOnlyHash {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- untyped CommonJS, loaded lazily
  ipfsOnlyHash ??= require("ipfs-only-hash") as IpfsOnlyHash;
  return ipfsOnlyHash;
}

const SHA2_256_CODE = 0x12;
const SHA2_256_LENGTH = 0x20;
const MULTIHASH_BYTES = 2 + SHA2_256_LENGTH;
const CID_V0_LENGTH = 46;
const BASE58_ALPHABET = /^[1-9A-HJ-NP-Za-km-z]+$/;

/** The CIDv0 (`Qm…`) that `ipfs add --only-hash` and Lit's SDK give for these exact bytes. */
export async function cidOfCode(code: string | Uint8Array): Promise<string> {
  // Encode here rather than inside the library so the "exact UTF-8 bytes" rule is visible.
  const bytes = typeof code === "string" ? new TextEncoder().encode(code) : code;
  return loadIpfsOnlyHash().of(bytes);
}

/** True when `value` is a syntactically valid CIDv0 (base58btc sha2-256 multihash). */
export function isCidV0(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    cidToBytes(value);
    return true;
  } catch {
    return false;
  }
}

/** `Qm…` → `0x1220…` (34 bytes), the form PKPPermissions stores. */
export function cidToBytes(cid: string): string {
  if (typeof cid !== "string") throw new InvalidCidError("CID must be a string");
  if (/^b[a-z2-7]+$/.test(cid)) {
    throw new InvalidCidError(`"${abbreviate(cid)}" looks like a CIDv1; only CIDv0 (Qm…) is used`);
  }
  if (!BASE58_ALPHABET.test(cid)) {
    throw new InvalidCidError(`"${abbreviate(cid)}" contains characters outside base58btc`);
  }
  if (cid.length !== CID_V0_LENGTH || !cid.startsWith("Qm")) {
    throw new InvalidCidError(
      `"${abbreviate(cid)}" is not a CIDv0: expected ${CID_V0_LENGTH} base58 characters starting with "Qm"`,
    );
  }
  // decodeBase58 returns a bigint, which drops leading zero bytes. A CIDv0 starts with 0x12, so
  // there are none, but we still pad to the full width and re-check the prefix to be certain.
  const hex = decodeBase58(cid)
    .toString(16)
    .padStart(MULTIHASH_BYTES * 2, "0");
  const bytes = getBytes("0x" + hex);
  assertSha256Multihash(bytes);
  return hexlify(bytes);
}

/** `0x1220…` (34 bytes, hex or raw) → `Qm…`. */
export function cidFromBytes(bytes: string | Uint8Array): string {
  let raw: Uint8Array;
  if (typeof bytes === "string") {
    if (!isHexString(bytes, true)) {
      throw new InvalidCidError(`"${abbreviate(bytes)}" is not 0x-prefixed hex with whole bytes`);
    }
    raw = getBytes(bytes);
  } else if (bytes instanceof Uint8Array) {
    raw = bytes;
  } else {
    throw new InvalidCidError("CID bytes must be a hex string or a Uint8Array");
  }
  assertSha256Multihash(raw);
  return encodeBase58(raw);
}

function assertSha256Multihash(bytes: Uint8Array): void {
  if (bytes.length !== MULTIHASH_BYTES) {
    throw new InvalidCidError(
      `a CIDv0 multihash is ${MULTIHASH_BYTES} bytes (0x1220 + sha256), got ${bytes.length}`,
    );
  }
  if (bytes[0] !== SHA2_256_CODE || bytes[1] !== SHA2_256_LENGTH) {
    const prefix = hexlify(bytes.subarray(0, 2));
    throw new InvalidCidError(`multihash prefix ${prefix} is not sha2-256 (expected 0x1220)`);
  }
}

function abbreviate(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}
