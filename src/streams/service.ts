/**
 * What the signed-stream store offers, whether in process (StreamStore, over SQLite) or over HTTP
 * (StreamClient, against `pkp:streams`): the same calls, the same answers, the same refusals
 * (StreamError with the codes of errors.ts). Code written against this interface (the social
 * backend's client, the demo, tests) runs against either.
 */
import type { JsonValue, SignedCommit } from "./commit";

/** A commit as the store keeps and serves it. */
export interface StoredCommit {
  hash: string;
  /** `null` for the genesis commit. */
  prev: string | null;
  payload: JsonValue;
  signature: string;
}

/** A stream's whole state: `GET /streams/<id>`. */
export interface StreamState {
  streamId: string;
  /** Checksummed address: the only signer the store accepts for this stream. */
  controller: string;
  /** The hash of the last commit. */
  head: string;
  /** How many commits (the genesis included). */
  length: number;
  /** Every commit, genesis first; each one's `prev` is the hash of the one before. */
  commits: StoredCommit[];
}

/**
 * A stream's payloads only: `GET /streams/<id>?view=payloads`. Enough to check the stream against
 * its head — the hashes follow from the payloads (commit.ts) — at a third of the size: what a Lit
 * Action reads (its fetch responses are recorded whole in proof bundles up to a size).
 */
export interface StreamPayloads {
  streamId: string;
  controller: string;
  head: string;
  length: number;
  /** Every commit's payload, genesis first. */
  payloads: JsonValue[];
}

/** What `GET /streams/<id>` answers: every commit (default), or only the payloads. */
export type StreamView = "commits" | "payloads";

/** One line of a stream listing: `GET /streams?controller=…`. */
export interface StreamSummary {
  streamId: string;
  controller: string;
  head: string;
  length: number;
}

export interface StreamList {
  streams: StreamSummary[];
  /** Pass as `after` for the next page; absent on the last page. */
  next?: string;
}

/** The answer to a write. */
export interface WriteReceipt {
  streamId: string;
  /** The written commit's hash. */
  hash: string;
  /** The stream's head after the write (the commit's hash, unless it was there already). */
  head: string;
  length: number;
  /**
   * false when this exact commit was already in the stream (a client retrying after a lost
   * answer): nothing was written, and nothing needs to be (HTTP 200 instead of 201).
   */
  created: boolean;
}

export interface StreamHealth {
  ok: boolean;
  streams: number;
  commits: number;
  /** The SQLite journal mode: always `wal` for a file store. */
  journalMode: string;
  /** Bytes the database file may grow to. */
  maxDbBytes: number;
}

export interface ListStreamsQuery {
  /** Only streams of this controller. */
  controller?: string;
  /** A streamId: list the streams after it (ids in ascending order). */
  after?: string;
  /** At most this many (1–1000, default 100). */
  limit?: number;
}

export interface StreamService {
  /** `POST /streams`: a new stream, whose genesis commit (`prev: null`) the controller signed. */
  createStream(request: { controller: string; commit: SignedCommit }): Promise<WriteReceipt>;
  /** `POST /streams/<id>/commits`: the next commit, whose `prev` must be the head. */
  appendCommit(streamId: string, commit: SignedCommit): Promise<WriteReceipt>;
  /** `GET /streams/<id>`. */
  getStream(streamId: string): Promise<StreamState>;
  /** `GET /streams/<id>?view=payloads`. */
  getPayloads(streamId: string): Promise<StreamPayloads>;
  /** `GET /streams?controller=&after=&limit=`. */
  listStreams(query?: ListStreamsQuery): Promise<StreamList>;
  /** `GET /health`. */
  health(): Promise<StreamHealth>;
}

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;
