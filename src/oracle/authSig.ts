/**
 * Verification of Lit AuthSigs: an EIP-191 `personal_sign` signature over a SIWE (EIP-4361)
 * message. A valid AuthSig proves the caller controls `address` on the oracle's chain for the
 * message's validity window; the oracle then uses `address` for owner / permitted-address checks.
 *
 * Not covered (by design, documented for the service): nonce replay protection (there is no
 * server-issued nonce), domain/URI pinning, EIP-1271 contract wallets and session signatures.
 */
import { ethers } from "ethers";

import { type SiweMessage, SiweParseError, formatSiweMessage, parseSiweMessage } from "./siwe";
import { CodedError } from "../codedError";

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
  | "NOT_YET_VALID";

/** Every AuthSig refusal. `code` is always INVALID_AUTH_SIG; `problem` says which check failed. */
export class AuthSigError extends CodedError<"INVALID_AUTH_SIG"> {
  constructor(
    readonly problem: AuthSigProblem,
    message: string,
  ) {
    super("INVALID_AUTH_SIG", `invalid authSig: ${message}`);
  }
}

export interface VerifyAuthSigOptions {
  /** The oracle's chain id; the SIWE Chain ID must equal it. */
  chainId: number | bigint;
  /** Clock for expiry checks; injectable for tests. Default: the current time. */
  now?: Date;
}

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
    recovered = ethers.verifyMessage(input.signedMessage, input.sig);
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

  const now = opts.now ?? new Date();
  if (message.expirationTime !== undefined && Date.parse(message.expirationTime) <= now.getTime()) {
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
