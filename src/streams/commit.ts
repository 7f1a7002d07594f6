/**
 * The commit format of a signed stream (docs/BACKEND.md, "The commit format"):
 *
 *   commit      = { streamId, prev, payload, signature }
 *   hash        = keccak256( utf8( canonicalJson({ streamId, prev, payload }) ) )
 *   signature   = the controller's secp256k1 signature over `hash` itself (the raw 32-byte
 *                 digest, no EIP-191 prefix): 0x + r ‖ s ‖ v, 65 bytes, v = 27|28, low s
 *   streamId    = keccak256( utf8( canonicalJson({ controller, genesis }) ) ), where controller
 *                 is the lowercase 0x address and genesis the first commit's payload
 *
 * `prev` is the hash of the commit before (the stream's head when it was written); the genesis
 * commit's `prev` is `null`. Hashes and ids are lowercase 0x-hex, 32 bytes.
 *
 * A raw digest, not EIP-191: that is what `Lit.Actions.signEcdsa({ toSign })` signs, and a commit
 * hash can never be a transaction's or a personal message's digest (different preimages).
 */
import { ethers } from "ethers";
import { canonicalJson, DEFAULT_MAX_DEPTH, type JsonValue } from "./canonicalJson";
import { StreamError } from "./errors";
import { keccak256Hex } from "../keccak";
import { recoverAddress } from "../secp256k1";

export type { JsonValue } from "./canonicalJson";

/** What is hashed and signed. */
export interface CommitBody {
  streamId: string;
  /** The hash of the commit before; `null` for the genesis commit. */
  prev: string | null;
  payload: JsonValue;
}

export interface SignedCommit extends CommitBody {
  /** 0x + 65 bytes (r ‖ s ‖ v, v = 27|28) by the stream's controller over the commit hash. */
  signature: string;
}

/** A commit that passed every check of the format (not yet the store's: signer, prev). */
export interface ParsedCommit {
  commit: SignedCommit;
  hash: string;
  /** The payload's canonical JSON, as stored and served. */
  payloadJson: string;
  /** UTF-8 bytes of `payloadJson`. */
  payloadBytes: number;
}

export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024;

const HASH = /^0x[0-9a-f]{64}$/;
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/;
const COMMIT_FIELDS = ["payload", "prev", "signature", "streamId"];

/**
 * UTF-8 of canonical JSON: the platform's encoder gives ethers' toUtf8Bytes bytes for it, since
 * JSON.stringify escapes lone surrogates (the only strings on which the two would differ).
 */
const encoder = new TextEncoder();
const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** The text whose keccak256 is the commit hash. */
export function commitPreimage(body: CommitBody): string {
  return canonicalJson(
    { streamId: body.streamId, prev: body.prev, payload: body.payload },
    "commit",
  );
}

export function commitHash(body: CommitBody): string {
  return keccak256Hex(utf8(commitPreimage(body)));
}

/** The id of the stream whose controller is `controller` and whose genesis payload is `genesis`. */
export function streamIdOf(controller: string, genesis: JsonValue): string {
  const address = ethers.getAddress(controller).toLowerCase();
  return keccak256Hex(utf8(canonicalJson({ controller: address, genesis }, "genesis")));
}

/** Signs a commit with a key (a client with its own controller key; tests). */
export function signCommit(body: CommitBody, key: ethers.SigningKey): SignedCommit {
  return { ...body, signature: key.sign(commitHash(body)).serialized };
}

/**
 * The address whose key made `signature` over `hash` (checksummed). Refuses, as
 * INVALID_SIGNATURE, anything but 65 bytes with v = 27|28 and a low s (a high-s twin would be a
 * second valid signature of one commit).
 */
export function recoverCommitSigner(hash: string, signature: string): string {
  if (typeof signature !== "string" || !SIGNATURE.test(signature)) {
    throw new StreamError(
      "INVALID_SIGNATURE",
      "signature must be 0x + 65 bytes (r ‖ s ‖ v) in hex",
    );
  }
  const v = signature.slice(130).toLowerCase();
  if (v !== "1b" && v !== "1c") {
    throw new StreamError("INVALID_SIGNATURE", `signature's v is 0x${v}; it must be 27 or 28`);
  }
  try {
    return recoverAddress(hash, signature);
  } catch (error) {
    throw new StreamError(
      "INVALID_SIGNATURE",
      `signature recovers to no key (${(error as { shortMessage?: string }).shortMessage ?? "invalid"})`,
      { cause: error },
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks a commit as received (any JSON) against the format: exactly the four fields, lowercase
 * 0x-hex ids, a signature of the right form, a payload that is JSON data within the depth and
 * size bounds. Does not check who signed it or whether `prev` is a head: that is the store's.
 */
export function parseSignedCommit(
  value: unknown,
  limits: { maxPayloadBytes?: number; maxDepth?: number } = {},
): ParsedCommit {
  if (!isRecord(value)) {
    throw new StreamError(
      "INVALID_COMMIT",
      "a commit is a JSON object { streamId, prev, payload, signature }",
    );
  }
  const fields = Object.keys(value).sort();
  const unknown = fields.filter((field) => !COMMIT_FIELDS.includes(field));
  if (unknown.length > 0) {
    throw new StreamError(
      "INVALID_COMMIT",
      `unknown commit field(s) ${unknown.map((f) => JSON.stringify(f)).join(", ")}: a commit is ` +
        "{ streamId, prev, payload, signature }",
    );
  }
  const missing = COMMIT_FIELDS.filter((field) => !(field in value));
  if (missing.length > 0) {
    throw new StreamError("INVALID_COMMIT", `missing commit field(s) ${missing.join(", ")}`);
  }
  const { streamId, prev, payload, signature } = value;
  if (typeof streamId !== "string" || !HASH.test(streamId)) {
    throw new StreamError("INVALID_COMMIT", "streamId must be 0x + 32 bytes in lowercase hex");
  }
  if (prev !== null && (typeof prev !== "string" || !HASH.test(prev))) {
    throw new StreamError(
      "INVALID_COMMIT",
      "prev must be the previous commit's hash (0x + 32 bytes, lowercase hex), or null for a genesis",
    );
  }
  if (typeof signature !== "string" || !SIGNATURE.test(signature)) {
    throw new StreamError(
      "INVALID_SIGNATURE",
      "signature must be 0x + 65 bytes (r ‖ s ‖ v) in hex",
    );
  }
  const payloadJson = canonicalJson(payload, "payload", limits.maxDepth ?? DEFAULT_MAX_DEPTH);
  const payloadBytes = Buffer.byteLength(payloadJson, "utf8");
  const maxPayloadBytes = limits.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (payloadBytes > maxPayloadBytes) {
    throw new StreamError(
      "PAYLOAD_TOO_LARGE",
      `the payload is ${payloadBytes} bytes of canonical JSON; the limit is ${maxPayloadBytes}`,
    );
  }
  const commit: SignedCommit = {
    streamId,
    prev,
    payload: payload as JsonValue,
    signature: signature.toLowerCase(),
  };
  const preimage = `{"payload":${payloadJson},"prev":${prev === null ? "null" : `"${prev}"`},"streamId":"${streamId}"}`;
  return {
    commit,
    hash: keccak256Hex(utf8(preimage)),
    payloadJson,
    payloadBytes,
  };
}
