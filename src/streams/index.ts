/**
 * Signed streams: append-only logs of commits that only their controller's key can extend — the
 * Ceramic stand-in of docs/BACKEND.md. The format (commit.ts), the SQLite store (store.ts), its
 * HTTP service (http/server.ts) and client (client.ts) share one interface (service.ts).
 */
export { canonicalJson, type JsonValue } from "./canonicalJson";
export {
  commitHash,
  commitPreimage,
  parseSignedCommit,
  recoverCommitSigner,
  signCommit,
  streamIdOf,
  type CommitBody,
  type ParsedCommit,
  type SignedCommit,
} from "./commit";
export {
  StreamError,
  STREAM_ERROR_STATUS,
  type StreamErrorCode,
  type StreamHeadInfo,
} from "./errors";
export {
  type ListStreamsQuery,
  type StoredCommit,
  type StreamHealth,
  type StreamList,
  type StreamPayloads,
  type StreamView,
  type StreamService,
  type StreamState,
  type StreamSummary,
  type WriteReceipt,
} from "./service";
export {
  DEFAULT_STREAM_LIMITS,
  StreamStore,
  type StreamLimits,
  type StreamStoreOptions,
} from "./store";
export { StreamClient, type StreamClientOptions } from "./client";
export {
  DEFAULT_STREAMS_PORT,
  startStreamServer,
  type StreamRequestLogLine,
  type StreamServer,
  type StreamServerOptions,
} from "./http/server";
