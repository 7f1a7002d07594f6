/**
 * The refusals of auth methods, OIDC tokens, sessions and key claims: one stable code each, with
 * the HTTP status the service answers with. errors.ts merges this table into the oracle's, so the
 * library and the HTTP service report exactly the same thing (docs/ORACLE.md, docs/WALLET.md).
 *
 * This module imports nothing of the oracle's, so that every auth module can throw these errors.
 */
import { CodedError } from "../../codedError";

export const AUTH_ERROR_STATUS = {
  /** An auth method type this oracle does not verify (only 1 EthWallet and 6 GoogleJwt). */
  AUTH_METHOD_UNSUPPORTED: 400,
  /** An auth method that is not `{ authMethodType, accessToken }`, or whose token is no token. */
  INVALID_AUTH_METHOD: 401,
  /** Not a JWT (three base64url parts of JSON), or a claim the oracle needs is missing. */
  JWT_INVALID: 401,
  /** The JWT's signature does not verify with the issuer's key. */
  JWT_BAD_SIGNATURE: 401,
  /** The JWT's `alg` is not RS256 or ES256 (`none`, HS256, …). */
  JWT_ALG_NOT_ALLOWED: 401,
  /** The issuer's JWKS has no key with the JWT's `kid`, even after fetching it again. */
  JWT_UNKNOWN_KEY: 401,
  /** The JWT's `iss` is not an issuer this oracle trusts. */
  JWT_UNTRUSTED_ISSUER: 401,
  /** The JWT's `aud` is not one of the client ids configured for its issuer. */
  JWT_WRONG_AUDIENCE: 401,
  /** The JWT's `exp` has passed (beyond the clock skew). */
  JWT_EXPIRED: 401,
  /** The JWT's `nbf` or `iat` is in the future (beyond the clock skew). */
  JWT_NOT_YET_VALID: 401,
  /** The issuer's discovery document or JWKS could not be fetched or is unusable. */
  OIDC_UNAVAILABLE: 503,
  /** A /pkp/session request the oracle cannot sign (SIWE address, uri, chain, expiry, …). */
  INVALID_SESSION_REQUEST: 400,
  /** The session SIWE's nonce is not the hash of a recent block of this chain. */
  SESSION_NONCE_INVALID: 401,
  /** A sessionSig that is malformed or whose signature (session key or capability) is wrong. */
  INVALID_SESSION: 401,
  /** The sessionSig or its capability has expired, or predates this oracle's start. */
  SESSION_EXPIRED: 401,
  /** A session for another PKP, another oracle or another chain, or without the ability asked. */
  SESSION_WRONG_TARGET: 403,
  /** A sessionSig used again with another request body. */
  SESSION_REPLAYED: 409,
  /** The session's auth methods no longer hold scope 1 or 2 on its PKP. */
  SESSION_AUTH_METHOD_REVOKED: 403,
  /** This oracle cannot claim keys (no key-provider account configured). */
  CLAIMS_UNAVAILABLE: 503,
  /** Too many new keys claimed recently (each one costs the key provider a transaction). */
  CLAIMS_RATE_LIMITED: 429,
  /** The derived key id is routed on chain to a key this oracle did not derive. */
  CLAIM_CONFLICT: 409,
} as const;

export type AuthErrorCode = keyof typeof AUTH_ERROR_STATUS;

/** Every refusal of the auth modules (src/oracle/auth/). */
export class AuthError extends CodedError<AuthErrorCode> {}
