/**
 * The world outside the chain's permission state, as an execution reaches it: HTTP (`fetch`),
 * JSON-RPC of the configured chains, and stored actions (`Lit.Actions.call`). ExecutionHost
 * talks to a `World`; the oracle gives it the live one (./liveWorld.ts) wrapped in a
 * `RecordingWorld` (whose records go to the outcome), and the proof verifier gives it a world
 * that answers from a bundle's recordings (src/proof/replay.ts) instead.
 *
 * This module holds types and the recorder only: no node-only import.
 */
import { CodedError } from "../codedError";
import type { RedirectMode } from "./runtime/hostRequest";
import {
  headersHash,
  sha256Hex,
  toBase64,
  type ExternalRecord,
  type FetchRecordRequest,
} from "./recordings";

export interface FetchRequest {
  url: string;
  method: string;
  headers: Array<[string, string]>;
  body?: Uint8Array;
  redirect: RedirectMode;
}

export interface FetchAnswer {
  status: number;
  statusText: string;
  /** The final URL, after redirects. */
  url: string;
  redirected: boolean;
  headers: Array<[string, string]>;
  body: Uint8Array;
}

export type RpcAnswer =
  { result: unknown } | { error: { code: number; message: string; data?: unknown } };

export type FetchErrorCode =
  /** Not allowed: origin not in the allow-list, address not allowed, redirect refused. */
  | "FETCH_REFUSED"
  /** Network failure, timeout, response over the size limit. */
  | "FETCH_FAILED";

/** A fetch the action asked for did not happen (a TypeError inside the action). */
export class FetchError extends CodedError<FetchErrorCode> {}

/** A world that cannot be replayed from (the verifier's replay): ends the run with this code. */
export class ReplayMismatchError extends CodedError<"NOT_REPRODUCIBLE"> {
  constructor(message: string) {
    super("NOT_REPRODUCIBLE", message);
  }
}

export interface World {
  /** Rejects with FetchError for refusals and failures. */
  fetch(request: FetchRequest): Promise<FetchAnswer>;
  /** Raw JSON-RPC on a configured chain; rejects only when the chain cannot be reached. */
  rpc(chain: string, method: string, params: unknown[]): Promise<RpcAnswer>;
  /** The code stored under `ipfsId`, verified to hash to it. */
  loadAction(ipfsId: string): Promise<string | undefined>;
}

export function fetchRecordRequest(request: FetchRequest): FetchRecordRequest {
  return {
    url: request.url,
    method: request.method,
    headersHash: headersHash(request.headers),
    ...(request.body === undefined ? {} : { bodyHash: sha256Hex(request.body) }),
  };
}

/** Passes everything to `inner` and records each answer, in the order they were asked. */
export class RecordingWorld implements World {
  private readonly slots: Array<ExternalRecord | undefined> = [];

  constructor(
    private readonly inner: World,
    private readonly recordBodyBytes: number,
  ) {}

  /** The records so far (a call still in flight is left out). */
  records(): ExternalRecord[] {
    return this.slots.filter((record): record is ExternalRecord => record !== undefined);
  }

  async fetch(request: FetchRequest): Promise<FetchAnswer> {
    const slot = this.slots.push(undefined) - 1;
    const recorded = fetchRecordRequest(request);
    try {
      const answer = await this.inner.fetch(request);
      this.slots[slot] = {
        kind: "fetch",
        request: recorded,
        response: {
          status: answer.status,
          statusText: answer.statusText,
          url: answer.url,
          redirected: answer.redirected,
          headers: answer.headers,
          bodyHash: sha256Hex(answer.body),
          bodyBytes: answer.body.length,
          ...(answer.body.length <= this.recordBodyBytes ? { body: toBase64(answer.body) } : {}),
        },
      };
      return answer;
    } catch (error) {
      if (error instanceof FetchError) {
        this.slots[slot] = {
          kind: "fetch",
          request: recorded,
          error: { code: error.code, message: error.message },
        };
      }
      throw error;
    }
  }

  async rpc(chain: string, method: string, params: unknown[]): Promise<RpcAnswer> {
    const slot = this.slots.push(undefined) - 1;
    const answer = await this.inner.rpc(chain, method, params);
    this.slots[slot] = { kind: "rpc", chain, method, params, ...answer };
    return answer;
  }

  async loadAction(ipfsId: string): Promise<string | undefined> {
    const slot = this.slots.push(undefined) - 1;
    const code = await this.inner.loadAction(ipfsId);
    this.slots[slot] = { kind: "action", ipfsId, ...(code === undefined ? {} : { code }) };
    return code;
  }
}
