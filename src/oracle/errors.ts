/**
 * The oracle's refusals: one stable code each, with the HTTP status the service answers with.
 * Everything a caller can get wrong or a chain can fail at ends up as an OracleError, so the
 * library and the HTTP service report exactly the same thing.
 */
import { CodedError } from "../codedError";
import { ConditionsError } from "./conditions/canonical";
import { DecryptionError } from "./conditions/encryption";
import { ActionFailure } from "./runtime/actionFailure";
import { AuthSigError } from "./authSig";
import { InvalidCidError } from "../cid";
import { SigningError } from "./signing";
import { messageOf } from "../errorText";
import { AUTH_ERROR_STATUS, AuthError } from "./auth/authErrors";

export const ORACLE_ERROR_STATUS = {
  INVALID_REQUEST: 400,
  INVALID_CID: 400,
  CODE_CID_MISMATCH: 400,
  INVALID_AUTH_SIG: 401,
  NOT_PERMITTED: 403,
  ACTION_NOT_FOUND: 404,
  UNKNOWN_PKP: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  UNSUPPORTED_MEDIA_TYPE: 415,
  LIMIT_EXCEEDED: 413,
  RATE_LIMITED: 429,
  ACTION_TIMEOUT: 422,
  ACTION_MEMORY_LIMIT: 422,
  ACTION_ERROR: 422,
  INVALID_CONDITIONS: 400,
  DECRYPTION_FAILED: 400,
  CONDITIONS_NOT_MET: 403,
  NOT_REPRODUCIBLE: 422,
  CHAIN_UNAVAILABLE: 503,
  BUSY: 503,
  STORE_FULL: 507,
  /** The client went away before its answer (nginx's 499); only ever seen in the log. */
  CANCELLED: 499,
  INTERNAL: 500,
  // Auth methods, OIDC tokens, sessions and key claims (auth/authErrors.ts).
  ...AUTH_ERROR_STATUS,
} as const;

export type OracleErrorCode = keyof typeof ORACLE_ERROR_STATUS;

export class OracleError extends CodedError<OracleErrorCode> {
  readonly status: number;
  /** When retrying makes sense (BUSY, RATE_LIMITED): seconds to wait (HTTP `Retry-After`). */
  readonly retryAfterSeconds?: number;
  constructor(
    code: OracleErrorCode,
    message: string,
    options: { retryAfterSeconds?: number } = {},
  ) {
    super(code, message);
    this.status = ORACLE_ERROR_STATUS[code];
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

function isOracleErrorCode(code: string): code is OracleErrorCode {
  return Object.prototype.hasOwnProperty.call(ORACLE_ERROR_STATUS, code);
}

/**
 * Maps anything thrown while serving a request to an OracleError. Runtime failures keep their
 * code (fatal host errors carry oracle codes such as NOT_PERMITTED); runtime-internal codes
 * (a bad limit, a crashed worker) become INTERNAL, never a client's fault.
 */
export function toOracleError(error: unknown): OracleError {
  if (error instanceof OracleError) return error;
  if (error instanceof AuthSigError) return new OracleError("INVALID_AUTH_SIG", error.message);
  if (error instanceof InvalidCidError) return new OracleError("INVALID_CID", error.message);
  if (error instanceof AuthError) return new OracleError(error.code, error.message);
  // A digest or public key the caller gave that is not one (e.g. /pkp/sign's toSign, pubKey).
  if (error instanceof SigningError) return new OracleError("INVALID_REQUEST", error.message);
  if (error instanceof ConditionsError || error instanceof DecryptionError) {
    return new OracleError(error.code, error.message);
  }
  if (error instanceof ActionFailure) {
    // jsParams that are not JSON data: the caller's fault, not the runtime's.
    if (error.code === "INVALID_INPUT") return new OracleError("INVALID_REQUEST", error.message);
    if (isOracleErrorCode(error.code)) return new OracleError(error.code, error.message);
    return new OracleError("INTERNAL", `action runtime failure (${error.code}): ${error.message}`);
  }
  return new OracleError("INTERNAL", messageOf(error));
}
