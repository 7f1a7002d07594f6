/**
 * Verification of Lit AuthSigs: an EIP-191 `personal_sign` signature over a SIWE (EIP-4361)
 * message. A valid AuthSig proves the caller controls `address` on the oracle's chain for the
 * message's validity window; the oracle then uses `address` for owner / permitted-address checks.
 *
 * Rules beyond the signature (what bounds a stolen authSig; docs/SECURITY.md):
 * - an Expiration Time is required, at most `maxLifetimeMs` (default 7 days) after Issued At;
 * - Issued At may be at most `maxFutureSkewMs` (60 s) ahead of the oracle's clock;
 * - with `domains` set, the SIWE domain must be one of them, and so must the URI's host when
 *   the URI has one (an http(s) URI naming another site is refused).
 *
 * Not covered (by design, documented for the service): a server-issued nonce (one authSig is
 * replayable within its lifetime), EIP-1271 contract wallets.
 */
import { ethers } from "ethers";

import { type SiweMessage, SiweParseError, formatSiweMessage, parseSiweMessage } from "./siwe";
import { CodedError } from "../codedError";
import { verifyMessage } from "../secp256k1";

/** Lit's AuthSig shape (`@lit-protocol/types` AuthSig). */
export interface AuthSig {
  sig: string;
  derivedVia: string;
  signedMessage: string;
  address: string;
}

export const PERSONAL_SIGN_DERIVATION = "web3.eth.personal.sign";

export type AuthSigProblem =
  | "MALFORMED_AUTH_SIG"
  | "UNSUPPORTED_DERIVATION"
  | "MALFORMED_MESSAGE"
  | "ADDRESS_MISMATCH"
  | "BAD_SIGNATURE"
  | "WRONG_CHAIN"
  | "EXPIRED"
  | "NOT_YET_VALID"
  | "NO_EXPIRATION"
  | "LIFETIME_TOO_LONG"
  | "ISSUED_IN_FUTURE"
  | "WRONG_DOMAIN";

/** Every AuthSig refusal. `code` is always INVALID_AUTH_SIG; `problem` says which check failed. */
export class AuthSigError extends CodedError<"INVALID_AUTH_SIG"> {
  constructor(
    readonly problem: AuthSigProblem,
    message: string,
  ) {
    super("INVALID_AUTH_SIG", `invalid authSig: ${message}`);
  }
}

/** What an authSig must satisfy beyond its signature and chain (the oracle's configuration). */
export interface AuthSigRules {
  /** Longest allowed Expiration Time − Issued At, in ms. Default 7 days. */
  maxLifetimeMs?: number;
  /** How far Issued At may be ahead of the oracle's clock, in ms. Default 60 s. */
  maxFutureSkewMs?: number;
  /**
   * Domains (host or host:port, case-insensitive) an authSig may be for: its SIWE domain, and
   * its URI's host when the URI has one. Default: any (no domain check).
   */
  domains?: readonly string[];
}

export interface VerifyAuthSigOptions extends AuthSigRules {
  /** The oracle's chain id; the SIWE Chain ID must equal it. */
  chainId: number | bigint;
  /** Clock for expiry checks; injectable for tests. Default: the current time. */
  now?: Date;
}

export const DEFAULT_MAX_AUTH_SIG_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_FUTURE_SKEW_MS = 60 * 1000;

export interface VerifiedAuthSig {
  /** EIP-55 checksummed signer address. */
  address: string;
  message: SiweMessage;
}

export function verifyAuthSig(authSig: unknown, opts: VerifyAuthSigOptions): VerifiedAuthSig {
  const input = requireShape(authSig);
  if (input.derivedVia !== PERSONAL_SIGN_DERIVATION) {
    throw new AuthSigError(
      "UNSUPPORTED_DERIVATION",
      `derivedVia must be "${PERSONAL_SIGN_DERIVATION}", got "${input.derivedVia}"`,
    );
  }

  let claimed: string;
  try {
    claimed = ethers.getAddress(input.address.toLowerCase());
  } catch {
    throw new AuthSigError(
      "MALFORMED_AUTH_SIG",
      `address "${input.address}" is not an Ethereum address`,
    );
  }

  let message: SiweMessage;
  try {
    message = parseSiweMessage(input.signedMessage);
  } catch (err) {
    if (err instanceof SiweParseError) {
      throw new AuthSigError(
        "MALFORMED_MESSAGE",
        `signedMessage is not a valid SIWE message (field ${err.field}): ${err.message}`,
      );
    }
    throw err;
  }
  if (message.address.toLowerCase() !== claimed.toLowerCase()) {
    throw new AuthSigError(
      "ADDRESS_MISMATCH",
      `signedMessage is for ${message.address}, but authSig.address is ${input.address}`,
    );
  }

  let recovered: string;
  try {
    recovered = verifyMessage(input.signedMessage, input.sig);
  } catch {
    throw new AuthSigError("BAD_SIGNATURE", "sig is not a valid 65-byte ECDSA signature");
  }
  if (recovered !== claimed) {
    throw new AuthSigError(
      "BAD_SIGNATURE",
      `signature over signedMessage recovers to ${recovered}, not ${claimed}`,
    );
  }

  const expectedChainId = BigInt(opts.chainId);
  if (BigInt(message.chainId) !== expectedChainId) {
    throw new AuthSigError(
      "WRONG_CHAIN",
      `message is for chain ${message.chainId}, but this oracle serves chain ${expectedChainId}`,
    );
  }

  checkDomain(message, opts.domains);

  const now = opts.now ?? new Date();
  const issuedAt = Date.parse(message.issuedAt);
  const maxFutureSkewMs = opts.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
  if (issuedAt > now.getTime() + maxFutureSkewMs) {
    throw new AuthSigError(
      "ISSUED_IN_FUTURE",
      `message is issued at ${message.issuedAt}, more than ${maxFutureSkewMs / 1000} s after now (${now.toISOString()}); check the signer's clock`,
    );
  }
  if (message.expirationTime === undefined) {
    throw new AuthSigError(
      "NO_EXPIRATION",
      "message has no Expiration Time: this oracle accepts only authSigs that expire; sign one with an Expiration Time",
    );
  }
  const maxLifetimeMs = opts.maxLifetimeMs ?? DEFAULT_MAX_AUTH_SIG_LIFETIME_MS;
  const lifetimeMs = Date.parse(message.expirationTime) - issuedAt;
  if (lifetimeMs > maxLifetimeMs) {
    throw new AuthSigError(
      "LIFETIME_TOO_LONG",
      `message is valid for ${formatDuration(lifetimeMs)} (Issued At to Expiration Time); this oracle accepts at most ${formatDuration(maxLifetimeMs)}`,
    );
  }
  if (Date.parse(message.expirationTime) <= now.getTime()) {
    throw new AuthSigError(
      "EXPIRED",
      `message expired at ${message.expirationTime} (now ${now.toISOString()}); sign a new one`,
    );
  }
  if (message.notBefore !== undefined && Date.parse(message.notBefore) > now.getTime()) {
    throw new AuthSigError(
      "NOT_YET_VALID",
      `message is not valid before ${message.notBefore} (now ${now.toISOString()})`,
    );
  }
  return { address: claimed, message };
}

/** Host (and port) of a URI when it has an authority (http, https, …), else undefined. */
function uriHost(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    return url.host === "" ? undefined : url.host.toLowerCase();
  } catch {
    return undefined;
  }
}

function checkDomain(message: SiweMessage, domains: readonly string[] | undefined): void {
  if (domains === undefined || domains.length === 0) return;
  const allowed = new Set(domains.map((domain) => domain.toLowerCase()));
  const list = [...allowed].join(", ");
  if (!allowed.has(message.domain.toLowerCase())) {
    throw new AuthSigError(
      "WRONG_DOMAIN",
      `message is for domain ${message.domain}; this oracle accepts authSigs for ${list}`,
    );
  }
  const host = uriHost(message.uri);
  if (host !== undefined && !allowed.has(host)) {
    throw new AuthSigError(
      "WRONG_DOMAIN",
      `message's URI ${message.uri} is on ${host}; this oracle accepts authSigs for ${list}`,
    );
  }
}

function formatDuration(ms: number): string {
  const hours = ms / 3_600_000;
  return hours >= 48
    ? `${Math.round((hours / 24) * 10) / 10} days`
    : `${Math.round(hours * 10) / 10} h`;
}

function requireShape(value: unknown): AuthSig {
  if (typeof value !== "object" || value === null) {
    throw new AuthSigError("MALFORMED_AUTH_SIG", "authSig must be an object");
  }
  const record = value as Record<string, unknown>;
  for (const field of ["sig", "derivedVia", "signedMessage", "address"] as const) {
    if (typeof record[field] !== "string") {
      throw new AuthSigError("MALFORMED_AUTH_SIG", `authSig.${field} must be a string`);
    }
  }
  return record as unknown as AuthSig;
}

export interface CreateAuthSigOptions {
  chainId: number;
  /** Default "localhost". */
  domain?: string;
  /** Default `https://<domain>`. */
  uri?: string;
  statement?: string;
  /** Lifetime; default 24 h (Lit's default session length). */
  expiresInSeconds?: number;
  /** Issued At; default the current time. */
  now?: Date;
  /** Default 16 random hex characters. */
  nonce?: string;
}

/** Something that can personal_sign, e.g. an ethers Wallet or a Hardhat signer. */
export type MessageSigner = Pick<ethers.Signer, "getAddress" | "signMessage">;

/** Builds and signs a SIWE AuthSig that `verifyAuthSig` accepts (for tests, demo, CLI tasks). */
export async function createAuthSig(
  signer: MessageSigner,
  opts: CreateAuthSigOptions,
): Promise<AuthSig> {
  const address = ethers.getAddress(await signer.getAddress());
  const now = opts.now ?? new Date();
  const domain = opts.domain ?? "localhost";
  const expiresInSeconds = opts.expiresInSeconds ?? 24 * 60 * 60;
  const signedMessage = formatSiweMessage({
    domain,
    address,
    ...(opts.statement !== undefined ? { statement: opts.statement } : {}),
    uri: opts.uri ?? `https://${domain}`,
    version: "1",
    chainId: opts.chainId,
    nonce: opts.nonce ?? ethers.hexlify(ethers.randomBytes(8)).slice(2),
    issuedAt: now.toISOString(),
    expirationTime: new Date(now.getTime() + expiresInSeconds * 1000).toISOString(),
  });
  parseSiweMessage(signedMessage); // fail here, not at verification, on e.g. a bad custom nonce
  return {
    sig: await signer.signMessage(signedMessage),
    derivedVia: PERSONAL_SIGN_DERIVATION,
    signedMessage,
    address,
  };
}
