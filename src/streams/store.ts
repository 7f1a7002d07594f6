/**
 * The signed-stream store over SQLite (better-sqlite3, WAL, synchronous=FULL): the Ceramic
 * stand-in of docs/BACKEND.md, as a library. `pkp:streams` serves it over HTTP (./http/server.ts).
 *
 *   const store = StreamStore.open({ file: "streams.sqlite" });
 *   await store.createStream({ controller, commit: genesis });   // prev: null, signed by controller
 *   await store.appendCommit(streamId, next);                      // prev must be the head
 *   await store.getStream(streamId);                               // { head, length, commits, … }
 *   store.close();
 *
 * Every write is one IMMEDIATE transaction that checks and moves the head (compare-and-set): of
 * two writers racing on one head, exactly one wins and the other gets STALE_PREV with the new
 * head — also across processes sharing the file (SQLite's write lock). A write is acknowledged
 * only after its transaction committed with synchronous=FULL (the WAL is fsynced), so a kill -9
 * or a power cut after the answer loses nothing (test/streams/crash.test.ts).
 *
 * Signatures are recovered before the transaction (the CPU-heavy part, ≈ 2 ms), so the write lock
 * is held only for a few indexed reads and writes.
 */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { ethers } from "ethers";
import { messageOf } from "../errorText";
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  parseSignedCommit,
  recoverCommitSigner,
  streamIdOf,
  type ParsedCommit,
  type SignedCommit,
} from "./commit";
import { DEFAULT_MAX_DEPTH } from "./canonicalJson";
import { StreamError } from "./errors";
import {
  DEFAULT_LIST_LIMIT,
  MAX_LIST_LIMIT,
  type ListStreamsQuery,
  type StreamHealth,
  type StreamList,
  type StreamPayloads,
  type StreamView,
  type StreamService,
  type StreamState,
  type WriteReceipt,
} from "./service";

export interface StreamLimits {
  /** Canonical JSON bytes of one payload (default 16 KiB). */
  maxPayloadBytes: number;
  /** Nesting of a payload (default 32). */
  maxDepth: number;
  /** Commits in one stream, genesis included (default 10,000). */
  maxCommitsPerStream: number;
  /** Payload bytes in one stream, so one `GET /streams/<id>` stays bounded (default 4 MiB). */
  maxStreamBytes: number;
  /** The database file's size bound (default 1 GiB); past it, writes get STORE_FULL. */
  maxDbBytes: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
  maxDepth: DEFAULT_MAX_DEPTH,
  maxCommitsPerStream: 10_000,
  maxStreamBytes: 4 * 1024 * 1024,
  maxDbBytes: 1024 * 1024 * 1024,
};

export interface StreamStoreOptions {
  /** The SQLite file (created with its directory if missing). */
  file: string;
  limits?: Partial<StreamLimits>;
}

/** Marks the file as this store's (`PRAGMA application_id`): "PKPS". */
const APPLICATION_ID = 0x504b5053;
const SCHEMA_VERSION = 1;
const HASH = /^0x[0-9a-f]{64}$/;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS streams (
    id         TEXT PRIMARY KEY,
    controller TEXT NOT NULL,
    head       TEXT NOT NULL,
    length     INTEGER NOT NULL,
    bytes      INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS streams_by_controller ON streams (controller, id);
  CREATE TABLE IF NOT EXISTS commits (
    stream_id TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    hash      TEXT NOT NULL UNIQUE,
    prev      TEXT,
    payload   TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (stream_id, seq)
  ) WITHOUT ROWID;
`;

interface StreamRow {
  controller: string;
  head: string;
  length: number;
  bytes: number;
}

interface CommitRow {
  hash: string;
  prev: string | null;
  payload: string;
  signature: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A path segment or query value that should be a stream id. */
export function checkStreamId(streamId: unknown, what = "streamId"): string {
  if (typeof streamId !== "string" || !HASH.test(streamId)) {
    throw new StreamError(
      "INVALID_REQUEST",
      `${what} must be 0x + 32 bytes in lowercase hex, got ${JSON.stringify(streamId)?.slice(0, 80)}`,
    );
  }
  return streamId;
}

function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** SQLite's failures as the store's refusals; StreamErrors pass through. */
function storeError(error: unknown): StreamError {
  if (error instanceof StreamError) return error;
  const code = sqliteCode(error);
  if (code === "SQLITE_FULL") {
    return new StreamError("STORE_FULL", "the store's database reached its size bound", {
      cause: error,
    });
  }
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") {
    return new StreamError(
      "STORE_UNREADABLE",
      `the database file is damaged: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
  return new StreamError("INTERNAL", `store failure: ${messageOf(error)}`, { cause: error });
}

export class StreamStore implements StreamService {
  readonly file: string;
  readonly limits: StreamLimits;
  readonly #db: Database.Database;
  readonly #statements: ReturnType<typeof prepare>;
  readonly #writeGenesis: Database.Transaction<
    (id: string, controller: string, parsed: ParsedCommit) => WriteReceipt
  >;
  readonly #writeNext: Database.Transaction<
    (id: string, signer: string, parsed: ParsedCommit) => WriteReceipt
  >;
  readonly #readStream: Database.Transaction<(id: string, view: StreamView) => string>;
  #closed = false;

  private constructor(db: Database.Database, file: string, limits: StreamLimits) {
    this.#db = db;
    this.file = file;
    this.limits = limits;
    const s = (this.#statements = prepare(db));

    this.#writeGenesis = db.transaction(
      (id: string, controller: string, parsed: ParsedCommit): WriteReceipt => {
        const existing = s.stream.get(id) as StreamRow | undefined;
        if (existing !== undefined) {
          const genesis = s.commitBySeq.get(id, 0) as CommitRow;
          if (genesis.hash !== parsed.hash) {
            // Unreachable unless keccak256 collides: the id is derived from the genesis.
            throw new StreamError("STREAM_ID_MISMATCH", `stream ${id} exists with another genesis`);
          }
          return { streamId: id, hash: parsed.hash, ...headOf(existing), created: false };
        }
        s.insertCommit.run(id, 0, parsed.hash, null, parsed.payloadJson, parsed.commit.signature);
        s.insertStream.run(id, controller, parsed.hash, 1, parsed.payloadBytes);
        return { streamId: id, hash: parsed.hash, head: parsed.hash, length: 1, created: true };
      },
    );

    this.#writeNext = db.transaction(
      (id: string, signer: string, parsed: ParsedCommit): WriteReceipt => {
        const row = s.stream.get(id) as StreamRow | undefined;
        if (row === undefined) {
          throw new StreamError("STREAM_NOT_FOUND", `no stream ${id} in this store`);
        }
        if (signer !== row.controller) {
          throw new StreamError(
            "WRONG_SIGNER",
            `the commit is signed by ${signer}; stream ${id} accepts only its controller ${row.controller}`,
          );
        }
        if (s.commitInStream.get(parsed.hash, id) !== undefined) {
          // The same commit again (a retry after a lost answer): already there.
          return { streamId: id, hash: parsed.hash, ...headOf(row), created: false };
        }
        if (parsed.commit.prev !== row.head) {
          throw new StreamError(
            "STALE_PREV",
            `prev ${parsed.commit.prev} is not the head of stream ${id} (now ${row.head}, ` +
              `${row.length} commits): read the stream again and rebuild the commit on its head`,
            { current: headOf(row) },
          );
        }
        if (row.length + 1 > this.limits.maxCommitsPerStream) {
          throw new StreamError(
            "STREAM_FULL",
            `stream ${id} holds ${row.length} commits, the most a stream may hold`,
          );
        }
        if (row.bytes + parsed.payloadBytes > this.limits.maxStreamBytes) {
          throw new StreamError(
            "STREAM_FULL",
            `stream ${id} holds ${row.bytes} payload bytes; this commit would take it past ` +
              `${this.limits.maxStreamBytes}`,
          );
        }
        s.insertCommit.run(
          id,
          row.length,
          parsed.hash,
          parsed.commit.prev,
          parsed.payloadJson,
          parsed.commit.signature,
        );
        s.advance.run(parsed.hash, row.length + 1, row.bytes + parsed.payloadBytes, id);
        return {
          streamId: id,
          hash: parsed.hash,
          head: parsed.hash,
          length: row.length + 1,
          created: true,
        };
      },
    );

    // One read transaction: the head and the commits belong to the same moment.
    this.#readStream = db.transaction((id: string, view: StreamView): string => {
      const row = s.stream.get(id) as StreamRow | undefined;
      if (row === undefined) {
        throw new StreamError("STREAM_NOT_FOUND", `no stream ${id} in this store`);
      }
      const head =
        `{"streamId":"${id}","controller":"${row.controller}","head":"${row.head}",` +
        `"length":${row.length},`;
      if (view === "payloads") {
        const payloads = (s.payloads.all(id) as Array<{ payload: string }>).map((c) => c.payload);
        return `${head}"payloads":[${payloads.join(",")}]}`;
      }
      const commits = (s.commits.all(id) as CommitRow[]).map(
        (c) =>
          `{"hash":"${c.hash}","prev":${c.prev === null ? "null" : `"${c.prev}"`},` +
          `"payload":${c.payload},"signature":"${c.signature}"}`,
      );
      return `${head}"commits":[${commits.join(",")}]}`;
    });
  }

  /** Opens (or creates) the store's SQLite file. Throws STORE_UNREADABLE for a file not its own. */
  static open(options: StreamStoreOptions): StreamStore {
    const limits = { ...DEFAULT_STREAM_LIMITS, ...options.limits };
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new StreamError("INVALID_REQUEST", `limit ${name} must be a positive integer`);
      }
    }
    const file = path.resolve(options.file);
    let db: Database.Database;
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      db = new Database(file);
    } catch (error) {
      throw new StreamError(
        "STORE_UNREADABLE",
        `cannot open the store's database ${file}: ${messageOf(error)}`,
        { cause: error },
      );
    }
    try {
      initialise(db, file, limits);
      return new StreamStore(db, file, limits);
    } catch (error) {
      db.close();
      throw error instanceof StreamError
        ? error
        : new StreamError(
            "STORE_UNREADABLE",
            `${file} is not a usable streams database: ${messageOf(error)}`,
            { cause: error },
          );
    }
  }

  async createStream(request: { controller: string; commit: SignedCommit }): Promise<WriteReceipt> {
    this.#checkOpen();
    if (!isRecord(request)) {
      throw new StreamError("INVALID_REQUEST", "the body must be { controller, commit }");
    }
    const extra = Object.keys(request).filter((k) => k !== "controller" && k !== "commit");
    if (extra.length > 0) {
      throw new StreamError(
        "INVALID_REQUEST",
        `unknown field(s) ${extra.map((f) => JSON.stringify(f)).join(", ")}: the body is { controller, commit }`,
      );
    }
    const { controller: given, commit } = request as { controller: unknown; commit: unknown };
    if (typeof given !== "string" || !ethers.isAddress(given)) {
      throw new StreamError(
        "INVALID_REQUEST",
        "controller must be an Ethereum address (0x + 20 bytes; mixed case must be a valid checksum)",
      );
    }
    const controller = ethers.getAddress(given);
    const parsed = this.#parse(commit);
    if (parsed.commit.prev !== null) {
      throw new StreamError(
        "INVALID_COMMIT",
        "a stream's first commit has prev: null; append later commits to POST /streams/<id>/commits",
      );
    }
    const expected = streamIdOf(controller, parsed.commit.payload);
    if (parsed.commit.streamId !== expected) {
      throw new StreamError(
        "STREAM_ID_MISMATCH",
        `streamId ${parsed.commit.streamId} is not derived from this controller and genesis payload ` +
          `(expected ${expected} = keccak256(canonicalJson({ controller, genesis })))`,
      );
    }
    const signer = recoverCommitSigner(parsed.hash, parsed.commit.signature);
    if (signer !== controller) {
      throw new StreamError(
        "WRONG_SIGNER",
        `the genesis is signed by ${signer}, not by the controller ${controller}`,
      );
    }
    return this.#write(() => this.#writeGenesis.immediate(expected, controller, parsed));
  }

  async appendCommit(streamId: string, commit: SignedCommit): Promise<WriteReceipt> {
    this.#checkOpen();
    const id = checkStreamId(streamId);
    const parsed = this.#parse(commit);
    if (parsed.commit.streamId !== id) {
      throw new StreamError(
        "STREAM_ID_MISMATCH",
        `the commit names stream ${parsed.commit.streamId} but was sent to stream ${id}`,
      );
    }
    if (parsed.commit.prev === null) {
      throw new StreamError(
        "INVALID_COMMIT",
        "only a stream's genesis has prev: null (POST /streams); a later commit names the head",
      );
    }
    const signer = recoverCommitSigner(parsed.hash, parsed.commit.signature);
    return this.#write(() => this.#writeNext.immediate(id, signer, parsed));
  }

  async getStream(streamId: string): Promise<StreamState> {
    return JSON.parse(this.readStreamJson(streamId)) as StreamState;
  }

  async getPayloads(streamId: string): Promise<StreamPayloads> {
    return JSON.parse(this.readStreamJson(streamId, "payloads")) as StreamPayloads;
  }

  /**
   * `GET /streams/<id>[?view=payloads]`'s body, assembled from the stored canonical payloads
   * without parsing them again (the HTTP service sends this text as is).
   */
  readStreamJson(streamId: string, view: StreamView = "commits"): string {
    this.#checkOpen();
    const id = checkStreamId(streamId);
    try {
      return this.#readStream(id, view);
    } catch (error) {
      throw storeError(error);
    }
  }

  async listStreams(query: ListStreamsQuery = {}): Promise<StreamList> {
    this.#checkOpen();
    const limit = query.limit ?? DEFAULT_LIST_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new StreamError(
        "INVALID_REQUEST",
        `limit must be an integer from 1 to ${MAX_LIST_LIMIT}`,
      );
    }
    const after = query.after === undefined ? "" : checkStreamId(query.after, "after");
    let controller: string | undefined;
    if (query.controller !== undefined) {
      if (!ethers.isAddress(query.controller)) {
        throw new StreamError("INVALID_REQUEST", "controller must be an Ethereum address");
      }
      controller = ethers.getAddress(query.controller);
    }
    try {
      const rows = (
        controller === undefined
          ? this.#statements.list.all(after, limit + 1)
          : this.#statements.listByController.all(controller, after, limit + 1)
      ) as Array<{ id: string; controller: string; head: string; length: number }>;
      const page = rows.slice(0, limit).map((r) => ({
        streamId: r.id,
        controller: r.controller,
        head: r.head,
        length: r.length,
      }));
      return rows.length > limit
        ? { streams: page, next: page[page.length - 1].streamId }
        : { streams: page };
    } catch (error) {
      throw storeError(error);
    }
  }

  async health(): Promise<StreamHealth> {
    this.#checkOpen();
    try {
      const counts = this.#statements.counts.get() as { streams: number; commits: number | null };
      return {
        ok: true,
        streams: counts.streams,
        commits: counts.commits ?? 0,
        journalMode: String(this.#db.pragma("journal_mode", { simple: true })),
        maxDbBytes: this.limits.maxDbBytes,
      };
    } catch (error) {
      throw storeError(error);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the database (a checkpoint folds the WAL into the file). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #parse(commit: unknown): ParsedCommit {
    return parseSignedCommit(commit, {
      maxPayloadBytes: this.limits.maxPayloadBytes,
      maxDepth: this.limits.maxDepth,
    });
  }

  #write(transaction: () => WriteReceipt): WriteReceipt {
    this.#checkOpen();
    try {
      return transaction();
    } catch (error) {
      throw storeError(error);
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new StreamError("STORE_CLOSED", "the stream store is closed");
  }
}

function headOf(row: StreamRow): { head: string; length: number } {
  return { head: row.head, length: row.length };
}

function initialise(db: Database.Database, file: string, limits: StreamLimits): void {
  const applicationId = db.pragma("application_id", { simple: true }) as number;
  const version = db.pragma("user_version", { simple: true }) as number;
  const tables = db
    .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'")
    .get() as { n: number };
  if (tables.n > 0 && applicationId !== APPLICATION_ID) {
    throw new StreamError(
      "STORE_UNREADABLE",
      `${file} is a SQLite database of something else (not written by pkp:streams); ` +
        "give --db another file",
    );
  }
  if (version > SCHEMA_VERSION) {
    throw new StreamError(
      "STORE_UNREADABLE",
      `${file} was written by a newer version of this store (schema ${version}; this one reads ${SCHEMA_VERSION})`,
    );
  }
  const mode = db.pragma("journal_mode = WAL", { simple: true }) as string;
  if (mode !== "wal") {
    throw new StreamError(
      "STORE_UNREADABLE",
      `${file} cannot use SQLite's write-ahead log (journal mode stayed ${mode}); use a file on a local disk`,
    );
  }
  // FULL: the WAL is fsynced at every commit, so an acknowledged write survives a power cut, not
  // only a killed process.
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  db.pragma(`max_page_count = ${Math.max(16, Math.floor(limits.maxDbBytes / pageSize))}`);
  db.transaction(() => {
    db.exec(SCHEMA);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function prepare(db: Database.Database) {
  return {
    stream: db.prepare("SELECT controller, head, length, bytes FROM streams WHERE id = ?"),
    commitBySeq: db.prepare(
      "SELECT hash, prev, payload, signature FROM commits WHERE stream_id = ? AND seq = ?",
    ),
    commitInStream: db.prepare("SELECT seq FROM commits WHERE hash = ? AND stream_id = ?"),
    payloads: db.prepare("SELECT payload FROM commits WHERE stream_id = ? ORDER BY seq"),
    commits: db.prepare(
      "SELECT hash, prev, payload, signature FROM commits WHERE stream_id = ? ORDER BY seq",
    ),
    insertCommit: db.prepare(
      "INSERT INTO commits (stream_id, seq, hash, prev, payload, signature) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    insertStream: db.prepare(
      "INSERT INTO streams (id, controller, head, length, bytes) VALUES (?, ?, ?, ?, ?)",
    ),
    advance: db.prepare("UPDATE streams SET head = ?, length = ?, bytes = ? WHERE id = ?"),
    list: db.prepare(
      "SELECT id, controller, head, length FROM streams WHERE id > ? ORDER BY id LIMIT ?",
    ),
    listByController: db.prepare(
      "SELECT id, controller, head, length FROM streams WHERE controller = ? AND id > ? ORDER BY id LIMIT ?",
    ),
    counts: db.prepare("SELECT count(*) AS streams, sum(length) AS commits FROM streams"),
  };
}
