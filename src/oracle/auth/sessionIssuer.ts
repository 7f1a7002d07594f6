/**
 * `POST /pkp/session` (Lit's `signSessionKey`, LIT-AUTH.md A.4): a client that proved auth
 * methods gets a capability for a session key, so that it authenticates once and signs many times.
 *
 * Checks, in order (each refusal's code in parentheses):
 * - the SIWE parses (INVALID_SESSION_REQUEST), its address is the PKP's, its `uri` the session
 *   key's `lit:session:<hex>`, its chain this oracle's, it has an Expiration Time in the future and
 *   no Not Before (INVALID_SESSION_REQUEST);
 * - every auth method verifies (their own codes; at least one is needed);
 * - the SIWE nonce is the hash of one of the last `nonceMaxAgeBlocks` (default 256) blocks of this
 *   chain (SESSION_NONCE_INVALID): a capability cannot be prepared ahead of time;
 * - at a pinned block, the oracle holds the PKP and the auth methods may sign with it with scope 2
 *   (PersonalSign; scope 1 satisfies it) — Lit's rule (UNKNOWN_PKP, NOT_PERMITTED).
 * The capability then expires at the SIWE's Expiration Time, cut to `maxLifetimeMs` (24 h) from now.
 */
import { computeAddress, hashMessage, type Provider } from "ethers";
import { SCOPE_PERSONAL_SIGN } from "../../protocol";
import { authorizeHeldKey } from "../authorization";
import type { AuthSig } from "../authSig";
import type { PinnedChainView } from "../chainView";
import type { Keystore } from "../keystore";
import { normalizePublicKey, tokenIdFromPublicKey } from "../signing";
import { SiweParseError, formatSiweMessage, parseSiweMessage, type SiweMessage } from "../siwe";
import type { AuthContext } from "./authContext";
import { AuthError } from "./authErrors";
import { authMethodContextOf, type AuthMethodVerifier } from "./authMethods";
import { AUTH_CONTEXT_ABILITY, AUTH_CONTEXT_RESOURCE, withCapability } from "./recap";
import {
  CAPABILITY_DERIVED_VIA,
  SESSION_KEY_URI_PREFIX,
  capabilityTag,
  sessionKeyUri,
  type CapabilityEntry,
  type SessionRequest,
  type SessionSuccess,
} from "./sessionFormat";
import type { SessionKeys } from "./sessionKeys";

export const DEFAULT_SESSION_MAX_LIFETIME_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_NONCE_MAX_AGE_BLOCKS = 256;
const MAX_SIWE_CHARS = 16 * 1024;

export interface SessionIssuerOptions {
  chainId: bigint;
  keystore: Keystore;
  keys: SessionKeys;
  provider: Provider;
  pin: () => Promise<PinnedChainView>;
  authMethods: AuthMethodVerifier;
  maxLifetimeMs?: number;
  nonceMaxAgeBlocks?: number;
  now?: () => number;
}

export class SessionIssuer {
  private readonly now: () => number;

  constructor(private readonly options: SessionIssuerOptions) {
    this.now = options.now ?? Date.now;
  }

  async issue(request: SessionRequest): Promise<SessionSuccess> {
    const { chainId, keystore, keys } = this.options;
    const uri = normalizeSessionKey(request.sessionKey);
    const publicKey = publicKeyOf(request.pkpPublicKey);
    const pkpAddress = computeAddress(publicKey);
    const siwe = this.checkSiwe(request.siweMessage, pkpAddress, uri);
    if (!Array.isArray(request.authMethods) || request.authMethods.length === 0) {
      throw invalid(
        "authMethods must hold at least one auth method (an authSig goes in as type 1, EthWallet)",
      );
    }
    const [methods, view] = await Promise.all([
      this.options.authMethods.verifyAll(request.authMethods),
      this.options.pin(),
    ]);
    await this.checkNonce(siwe.nonce, view);
    const tokenId = tokenIdFromPublicKey(publicKey);
    await authorizeHeldKey(view, keystore, {
      publicKey,
      tokenId,
      authMethods: methods,
      scope: SCOPE_PERSONAL_SIGN,
    });

    const issuedAt = new Date(this.now()).toISOString();
    const maxExpiry = this.now() + (this.options.maxLifetimeMs ?? DEFAULT_SESSION_MAX_LIFETIME_MS);
    const expiration = new Date(
      Math.min(Date.parse(siwe.expirationTime as string), maxExpiry),
    ).toISOString();
    const authContext: AuthContext = {
      actionIpfsIds: [],
      actionIpfsIdStack: [],
      authSigAddress: null,
      authMethodContexts: methods.map((m) => authMethodContextOf(m, true)),
      resources: siwe.resources ?? [],
      customAuthResource: null,
    };
    const entry: CapabilityEntry = {
      auth_context: authContext,
      pkp_public_key: publicKey,
      oracle_tag: capabilityTag(keys.tagSecret, {
        chainId: chainId.toString(),
        pkpPublicKey: publicKey,
        sessionKeyUri: uri,
        issuedAt,
        expiration,
        authContext,
      }),
    };
    const signedMessage = formatSiweMessage({
      ...siwe,
      address: pkpAddress,
      issuedAt,
      expirationTime: expiration,
      resources: withCapability(
        siwe.resources ?? [],
        AUTH_CONTEXT_RESOURCE,
        AUTH_CONTEXT_ABILITY,
        entry,
      ),
    });
    const signature = keystore.signDigest(tokenId, hashMessage(signedMessage));
    const authSig: AuthSig = {
      sig: signature.signature,
      derivedVia: CAPABILITY_DERIVED_VIA,
      signedMessage,
      address: pkpAddress,
    };
    return { success: true, authSig, nodeAddress: keys.nodeAddress, expiration };
  }

  private checkSiwe(text: unknown, pkpAddress: string, uri: string): SiweMessage {
    if (typeof text !== "string" || text.length > MAX_SIWE_CHARS) {
      throw invalid(`siweMessage must be a SIWE message of at most ${MAX_SIWE_CHARS} characters`);
    }
    let siwe: SiweMessage;
    try {
      siwe = parseSiweMessage(text);
    } catch (error) {
      if (error instanceof SiweParseError) {
        throw invalid(`siweMessage is not a SIWE message (${error.field}): ${error.message}`);
      }
      throw error;
    }
    if (siwe.address.toLowerCase() !== pkpAddress.toLowerCase()) {
      throw invalid(`the SIWE address ${siwe.address} is not the PKP's address ${pkpAddress}`);
    }
    if (siwe.uri !== uri) {
      throw invalid(`the SIWE uri must be the session key's URI ${uri}, not ${siwe.uri}`);
    }
    if (BigInt(siwe.chainId) !== this.options.chainId) {
      throw invalid(
        `the SIWE is for chain ${siwe.chainId}; this oracle serves chain ${this.options.chainId}`,
      );
    }
    if (siwe.notBefore !== undefined) throw invalid("a session SIWE may not have a Not Before");
    if (siwe.expirationTime === undefined) {
      throw invalid("the SIWE needs an Expiration Time: the session's end");
    }
    if (Date.parse(siwe.expirationTime) <= this.now()) {
      throw invalid(`the SIWE expired at ${siwe.expirationTime}`);
    }
    return siwe;
  }

  private async checkNonce(nonce: string, view: PinnedChainView): Promise<void> {
    const maxAge = this.options.nonceMaxAgeBlocks ?? DEFAULT_NONCE_MAX_AGE_BLOCKS;
    const refuse = (why: string) =>
      new AuthError(
        "SESSION_NONCE_INVALID",
        `the SIWE nonce ${nonce} ${why}; use the hash of the chain's latest block`,
      );
    if (!/^0x[0-9a-fA-F]{64}$/.test(nonce)) throw refuse("is not a block hash");
    if (nonce.toLowerCase() === view.blockHash.toLowerCase()) return;
    const block = await this.options.provider.getBlock(nonce).catch(() => null);
    if (block === null || block.number > view.blockNumber)
      throw refuse("is no block of this chain");
    if (view.blockNumber - block.number > maxAge) {
      throw refuse(
        `is block ${block.number}, more than ${maxAge} blocks before ${view.blockNumber}`,
      );
    }
    const canonical = await this.options.provider.getBlock(block.number).catch(() => null);
    if (canonical?.hash?.toLowerCase() !== nonce.toLowerCase()) {
      throw refuse("is not on this chain's canonical history");
    }
  }
}

function invalid(message: string): AuthError {
  return new AuthError("INVALID_SESSION_REQUEST", message);
}

/** `lit:session:<64 hex>` from the URI or the bare public key. */
export function normalizeSessionKey(value: unknown): string {
  const hex =
    typeof value === "string" && value.startsWith(SESSION_KEY_URI_PREFIX)
      ? value.slice(SESSION_KEY_URI_PREFIX.length)
      : value;
  if (typeof hex !== "string" || !/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw invalid("sessionKey must be lit:session:<ed25519 public key, 64 hex>");
  }
  return sessionKeyUri(hex);
}

function publicKeyOf(value: unknown): string {
  if (typeof value !== "string") throw invalid("pkpPublicKey must be a hex string");
  try {
    return normalizePublicKey(value.startsWith("0x") ? value : `0x${value}`).toLowerCase();
  } catch {
    throw invalid("pkpPublicKey is not a secp256k1 public key (65 bytes 0x04…, or 33)");
  }
}
