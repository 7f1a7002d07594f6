/**
 * The signed-stream store's refusals: one stable code each, with the HTTP status the service
 * answers with, so the library (in process), the HTTP service and its client all report exactly
 * the same thing. docs/BACKEND.md lists them.
 */
import { CodedError } from "../codedError";

export const STREAM_ERROR_STATUS = {
  /** The body is not JSON, not UTF-8, or not `Content-Type: application/json`. */
  INVALID_REQUEST: 400,
  /** A commit (or its payload) breaks the commit format: field, type, hex, depth, number. */
  INVALID_COMMIT: 400,
  /** The signature is malformed (length, v, high s) or recovers to no key. */
  INVALID_SIGNATURE: 400,
  /** The commit's streamId is not the one it is sent to, or not derived from its genesis. */
  STREAM_ID_MISMATCH: 400,
  /** The signature is valid but recovers to another address than the stream's controller. */
  WRONG_SIGNER: 403,
  STREAM_NOT_FOUND: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  /** `prev` is not the stream's head: somebody wrote first. The answer carries the new head. */
  STALE_PREV: 409,
  /** The request body is over the cap. */
  BODY_TOO_LARGE: 413,
  /** The payload's canonical JSON is over the cap. */
  PAYLOAD_TOO_LARGE: 413,
  /** The stream holds as many commits, or payload bytes, as a stream may. */
  STREAM_FULL: 413,
  /** The database file reached its size bound. */
  STORE_FULL: 507,
  /** The client could not reach the store, or got an answer that is not the store's. */
  STORE_UNREACHABLE: 503,
  /** The database file cannot be opened or is not this store's. */
  STORE_UNREADABLE: 500,
  /** The store was closed. */
  STORE_CLOSED: 503,
  INTERNAL: 500,
} as const;

export type StreamErrorCode = keyof typeof STREAM_ERROR_STATUS;

/** What a 409 STALE_PREV tells the writer: where the stream stands now. */
export interface StreamHeadInfo {
  head: string;
  length: number;
}

export class StreamError extends CodedError<StreamErrorCode> {
  readonly status: number;
  /** Set on STALE_PREV: the stream's head and length when the commit was refused. */
  readonly current?: StreamHeadInfo;

  constructor(
    code: StreamErrorCode,
    message: string,
    options?: { cause?: unknown; current?: StreamHeadInfo },
  ) {
    super(code, message, options);
    this.status = STREAM_ERROR_STATUS[code];
    if (options?.current !== undefined) this.current = options.current;
  }
}

export function isStreamErrorCode(code: unknown): code is StreamErrorCode {
  return (
    typeof code === "string" && Object.prototype.hasOwnProperty.call(STREAM_ERROR_STATUS, code)
  );
}
