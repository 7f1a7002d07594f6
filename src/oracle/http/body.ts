/**
 * The oracle's request bodies: the shared reader (src/http/jsonBody.ts: JSON only, size-capped
 * before and while reading, time-bounded, malformed UTF-8 or JSON refused) with the oracle's
 * limits and refusals — 400 INVALID_REQUEST, 413 LIMIT_EXCEEDED, 408 REQUEST_TIMEOUT. Nothing
 * else is held while a body arrives: the service admits a request to its work bound only once
 * the body is complete.
 */
import type { IncomingMessage } from "node:http";
import { readJsonBody as readSharedJsonBody, type BodyRefusalError } from "../../http/jsonBody";
import { OracleError } from "../errors";

export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;
/** The whole body must arrive within this long after the headers. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;
/** Average body rate a sender must keep up once RATE_GRACE_MS have passed. */
export const DEFAULT_MIN_BODY_BYTES_PER_SECOND = 1024;
export { RATE_GRACE_MS } from "../../http/jsonBody";

export interface BodyLimits {
  maxBytes: number;
  timeoutMs?: number;
  minBytesPerSecond?: number;
}

const oracleRefusal: BodyRefusalError = (refusal, message) =>
  new OracleError(
    refusal === "TOO_LARGE"
      ? "LIMIT_EXCEEDED"
      : refusal === "TOO_SLOW"
        ? "REQUEST_TIMEOUT"
        : "INVALID_REQUEST",
    message,
  );

/** Marks the refusals after which the connection cannot carry another request. */
export function bodyWasCutShort(error: unknown): boolean {
  return (
    error instanceof OracleError &&
    (error.code === "REQUEST_TIMEOUT" || error.code === "LIMIT_EXCEEDED")
  );
}

/**
 * Reads the whole body (at most `maxBytes`, within the default or given time bounds) and parses
 * it as JSON. On LIMIT_EXCEEDED or REQUEST_TIMEOUT the stream is left unread from that point: the
 * caller answers with `Connection: close` (and, for LIMIT_EXCEEDED, drains what the client still
 * sends, so that it can read the answer).
 */
export function readJsonBody(
  request: IncomingMessage,
  limits: BodyLimits | number,
): Promise<unknown> {
  const { maxBytes, timeoutMs, minBytesPerSecond } =
    typeof limits === "number" ? { maxBytes: limits } : limits;
  return readSharedJsonBody(
    request,
    {
      maxBytes,
      timeoutMs: timeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
      minBytesPerSecond: minBytesPerSecond ?? DEFAULT_MIN_BODY_BYTES_PER_SECOND,
    },
    oracleRefusal,
  );
}
