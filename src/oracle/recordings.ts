/**
 * What an execution received from outside the chain's permission state, recorded so that a proof
 * bundle can replay it (the verifier's `--reexecute` answers from the recordings instead of
 * fetching): every `fetch` response, every JSON-RPC answer (getRpcUrl / ethers, getLatestNonce,
 * callContract, condition checks) and the code of every action started with `Lit.Actions.call`.
 *
 * Records are in the order the action asked (not the order answers came back), so a
 * deterministic action asks for them again in the same order. Pure data and pure functions (no
 * node-only import): the proof schema and the replay read them in a browser too.
 *
 * A fetch record keeps the response body whole (base64) up to a size (64 KiB by default); above
 * it only its hash and length, and such a response cannot be replayed. Request bodies and headers
 * are recorded as hashes only (they may carry an action's secrets, e.g. a decrypted API key);
 * URLs are recorded as they are.
 */
import { sha256 } from "@noble/hashes/sha256";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";

export { fromBase64, toBase64 } from "../bytes";

export interface FetchRecordRequest {
  url: string;
  method: string;
  /** sha256 hex of the request headers as `name: value\n` lines (lowercase names, in order). */
  headersHash: string;
  /** sha256 hex of the request body; absent when there was none. */
  bodyHash?: string;
}

export interface FetchRecordResponse {
  status: number;
  statusText: string;
  /** The final URL (after redirects). */
  url: string;
  redirected: boolean;
  headers: Array<[string, string]>;
  /** sha256 hex of the body bytes. */
  bodyHash: string;
  bodyBytes: number;
  /** The body, base64, when it is at most the recording size; absent otherwise. */
  body?: string;
}

export type FetchRecord =
  | { kind: "fetch"; request: FetchRecordRequest; response: FetchRecordResponse }
  | { kind: "fetch"; request: FetchRecordRequest; error: { code: string; message: string } };

export interface RpcRecord {
  kind: "rpc";
  chain: string;
  method: string;
  params: unknown[];
  /** The JSON-RPC result, or its error. */
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export interface ActionRecord {
  kind: "action";
  ipfsId: string;
  /** The code `Lit.Actions.call` ran (absent: no action was stored under the CID). */
  code?: string;
}

export type ExternalRecord = FetchRecord | RpcRecord | ActionRecord;

export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/** The hash a fetch record keeps of request headers. */
export function headersHash(headers: ReadonlyArray<readonly [string, string]>): string {
  return sha256Hex(
    utf8ToBytes(headers.map(([name, value]) => `${name.toLowerCase()}: ${value}\n`).join("")),
  );
}
