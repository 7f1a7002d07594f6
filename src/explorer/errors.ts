/**
 * The explorer server's refusals: one stable code each, with the HTTP status it answers with.
 * Every refusal is a JSON body `{ error: { code, message } }` (JSON-RPC's error shape on /rpc), so
 * the page can tell the user what happened and what to do.
 */
import { CodedError } from "../codedError";

export const EXPLORER_ERROR_STATUS = {
  /** Not JSON, not a JSON-RPC request, wrong content type. */
  INVALID_REQUEST: 400,
  /** A JSON-RPC method outside the read-only list (alone or inside a batch). */
  RPC_METHOD_FORBIDDEN: 403,
  /** The Host header names no loopback host while the server listens on loopback only. */
  HOST_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  /** The request body or a batch is over its bound. */
  LIMIT_EXCEEDED: 413,
  /** No deployment record for the network: the page shows how to deploy. */
  DEPLOYMENT_NOT_FOUND: 404,
  /** The record exists but cannot be read or is malformed. */
  DEPLOYMENT_UNREADABLE: 500,
  /** The explorer was started without --oracle. */
  ORACLE_NOT_CONFIGURED: 404,
  /** The oracle has no code for this CID. */
  ACTION_NOT_FOUND: 404,
  /** The chain's RPC endpoint did not answer (refused, DNS, reset). */
  CHAIN_UNREACHABLE: 502,
  /** The chain's answer was over the response bound (lower the log chunk size). */
  UPSTREAM_TOO_LARGE: 502,
  /** The oracle did not answer, or answered something other than the oracle's API. */
  ORACLE_UNREACHABLE: 502,
  /** More requests in progress than the bound: retry shortly. */
  BUSY: 503,
  /** The chain or the oracle took longer than the upstream timeout. */
  UPSTREAM_TIMEOUT: 504,
  INTERNAL: 500,
} as const;

export type ExplorerErrorCode = keyof typeof EXPLORER_ERROR_STATUS;

export class ExplorerError extends CodedError<ExplorerErrorCode> {
  get status(): number {
    return EXPLORER_ERROR_STATUS[this.code];
  }
}

/** Anything thrown while serving a request, as an ExplorerError (unknown ones are INTERNAL). */
export function toExplorerError(error: unknown): ExplorerError {
  if (error instanceof ExplorerError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ExplorerError("INTERNAL", message, { cause: error });
}
