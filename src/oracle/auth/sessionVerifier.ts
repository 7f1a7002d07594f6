/**
 * Session signatures on `/execute` and `/pkp/sign` (LIT-AUTH.md A.4 step 6): the auth context of
 * the request comes from the capability the session key carries, as on Lit — after these checks
 * (each refusal's code in parentheses):
 *
 * 1. a sessionSig names this oracle as its `nodeAddress` (SESSION_WRONG_TARGET); it is
 *    well-formed and the session key's ed25519 signature verifies (INVALID_SESSION);
 * 2. it has not expired, is not issued in the future or before this oracle started, and lives at
 *    most 24 h (SESSION_EXPIRED, INVALID_SESSION);
 * 3. its capability is ours: EIP-191 by the PKP's key over a SIWE for this session key
 *    (INVALID_SESSION), for this chain and carrying this oracle's tag (SESSION_WRONG_TARGET),
 *    not expired (SESSION_EXPIRED);
 * 4. it is for what is asked: /pkp/sign with the session's PKP only, and the requested abilities
 *    (`pkp-signing` on `lit-pkp://*` or the PKP; `lit-action-execution` on `lit-litaction://*` or
 *    the CID) (SESSION_WRONG_TARGET);
 * 5. it was not used before with another request (SESSION_REPLAYED; ./replayGuard.ts);
 * 6. at a pinned block, its auth methods may still open it: scope 2 or 1 on the session's PKP
 *    (SESSION_AUTH_METHOD_REVOKED) — removing an auth method on chain ends its sessions at once.
 */
import { createHash, createPublicKey, verify as verifySignature } from "node:crypto";
import { computeAddress, getAddress } from "ethers";
import { verifyMessage } from "../../secp256k1";
import { AUTH_METHOD_ADDRESS, SCOPE_PERSONAL_SIGN } from "../../protocol";
import { authorizeSigning } from "../authorization";
import type { PinnedChainView } from "../chainView";
import { OracleError } from "../errors";
import { normalizePublicKey, tokenIdFromPublicKey } from "../signing";
import { SiweParseError, parseSiweMessage, type SiweMessage } from "../siwe";
import type { AuthContext, AuthMethodContext } from "./authContext";
import { AuthError } from "./authErrors";
import { authMethodIdOf } from "./authMethodId";
import type { VerifiedAuthMethod } from "./authMethods";
import { AUTH_CONTEXT_ABILITY, AUTH_CONTEXT_RESOURCE, capabilityEntry } from "./recap";
import type { ReplayGuard } from "./replayGuard";
import {
  ACCESS_CONTROL_RESOURCE_PREFIX,
  ACTION_EXECUTION_ABILITY,
  ACTION_RESOURCE_PREFIX,
  CAPABILITY_DERIVED_VIA,
  DECRYPTION_ABILITY,
  PKP_RESOURCE_PREFIX,
  PKP_SIGNING_ABILITY,
  SESSION_SIG_ALGO,
  SESSION_SIG_DERIVED_VIA,
  capabilityTag,
  sessionKeyUri,
  type ResourceAbilityRequest,
  type SessionSig,
  type SessionSigPayload,
} from "./sessionFormat";
import type { SessionKeys } from "./sessionKeys";

/** A sessionSig may live at most this long (issuedAt to expiration). */
export const MAX_SESSION_SIG_LIFETIME_MS = 24 * 60 * 60 * 1000;
const MAX_SIGNED_MESSAGE_CHARS = 64 * 1024;
const MAX_CAPABILITIES = 8;
const MAX_SESSION_SIGS = 16;
const FUTURE_SKEW_MS = 60_000;
/** Capabilities verified recently, kept so that a session's later requests skip re-verifying. */
const MAX_CACHED_CAPABILITIES = 4096;
/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw 32-byte key follows. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** What a session is being used for, and the request's fingerprint (for the replay guard). */
export type SessionUse =
  | { kind: "pkpSign"; tokenId: bigint; fingerprint: string }
  | { kind: "execute"; ipfsId: string; fingerprint: string }
  /** `resource`: Lit's access-control resource, `<hashOfConditions>/<dataToEncryptHash>`. */
  | { kind: "decrypt"; resource: string; fingerprint: string };

export interface VerifiedSession {
  pkpPublicKey: string;
  /** The session's PKP address (EIP-55): the request's "authSig address", as on Lit. */
  pkpAddress: string;
  tokenId: bigint;
  authMethods: VerifiedAuthMethod[];
  /** The capability's auth context, with `authSigAddress` = the PKP's address. */
  authContext: AuthContext;
}

export interface SessionVerifierOptions {
  chainId: bigint;
  keys: SessionKeys;
  guard: ReplayGuard;
  pin: () => Promise<PinnedChainView>;
  /** When the oracle started (ms): older sessionSigs are refused, so a restart opens no replay. */
  startedAt: number;
  now?: () => number;
}

export class SessionVerifier {
  /** Node addresses besides the oracle's own that sessionSigs may name (its HTTP URLs). */
  readonly #extraNodeAddresses = new Set<string>();
  /**
   * Capabilities that passed every check of `capabilityOf` (pure in its inputs but for the
   * expiry, which is checked again on each use), by session key and capability. Verifying one
   * costs a secp256k1 recovery, a SIWE parse and an HMAC: done once per session, not per request.
   */
  readonly #capabilities = new Map<string, { session: VerifiedSession; expiration: string }>();
  private readonly now: () => number;

  constructor(private readonly options: SessionVerifierOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Also accept sessionSigs made for `nodeAddress` (e.g. the service's URL, as Lit's SDK uses). */
  acceptNodeAddress(nodeAddress: string): void {
    this.#extraNodeAddresses.add(nodeAddress.replace(/\/+$/, ""));
  }

  async verify(sessionSigs: unknown, use: SessionUse): Promise<VerifiedSession> {
    const { sessionSig, payload } = this.pick(sessionSigs);
    const session = this.checkSessionSig(sessionSig, payload, use);
    this.options.guard.admit(sessionSig.sig, use.fingerprint, Date.parse(payload.expiration));
    const view = await this.options.pin();
    try {
      await authorizeSigning(view, {
        tokenId: session.tokenId,
        authMethods: session.authMethods,
        scope: SCOPE_PERSONAL_SIGN,
      });
    } catch (error) {
      if (error instanceof OracleError && error.code === "NOT_PERMITTED") {
        throw new AuthError(
          "SESSION_AUTH_METHOD_REVOKED",
          `the session's auth methods no longer hold scope 1 or 2 on PKP ${session.tokenId} ` +
            `(block ${view.blockNumber}): open a new session with an auth method the PKP permits`,
        );
      }
      throw error;
    }
    return session;
  }

  /** The sessionSig made for this oracle, from one sessionSig or Lit's `{ [node]: sessionSig }`. */
  private pick(value: unknown): { sessionSig: SessionSig; payload: SessionSigPayload } {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw malformed("sessionSigs must be a sessionSig or an object of them by node address");
    }
    const candidates =
      typeof (value as { sig?: unknown }).sig === "string"
        ? [value]
        : Object.values(value as Record<string, unknown>);
    if (candidates.length === 0 || candidates.length > MAX_SESSION_SIGS) {
      throw malformed(`sessionSigs must hold 1 to ${MAX_SESSION_SIGS} sessionSigs`);
    }
    const named: string[] = [];
    for (const candidate of candidates) {
      const sessionSig = shapeOf(candidate);
      const payload = payloadOf(sessionSig);
      if (this.isOurs(payload.nodeAddress)) return { sessionSig, payload };
      named.push(payload.nodeAddress);
    }
    throw new AuthError(
      "SESSION_WRONG_TARGET",
      `no sessionSig is for this oracle (${this.options.keys.nodeAddress}); they are for ${named.join(", ")}`,
    );
  }

  private isOurs(nodeAddress: string): boolean {
    return (
      nodeAddress === this.options.keys.nodeAddress ||
      this.#extraNodeAddresses.has(nodeAddress.replace(/\/+$/, ""))
    );
  }

  private checkSessionSig(
    sessionSig: SessionSig,
    payload: SessionSigPayload,
    use: SessionUse,
  ): VerifiedSession {
    if (!verifyEd25519(sessionSig.sig, sessionSig.signedMessage, sessionSig.address))
      throw malformed("the session key's signature over signedMessage does not verify");

    const now = this.now();
    const issuedAt = Date.parse(payload.issuedAt);
    const expiration = Date.parse(payload.expiration);
    if (expiration <= now) {
      throw new AuthError(
        "SESSION_EXPIRED",
        `the sessionSig expired at ${payload.expiration}; sign a new one with the session key`,
      );
    }
    if (issuedAt > now + FUTURE_SKEW_MS) {
      throw malformed(`the sessionSig is issued at ${payload.issuedAt}, in the future`);
    }
    if (issuedAt < this.options.startedAt) {
      throw new AuthError(
        "SESSION_EXPIRED",
        `the sessionSig was issued (${payload.issuedAt}) before this oracle started ` +
          `(${new Date(this.options.startedAt).toISOString()}); sign a new one with the session key`,
      );
    }
    if (expiration - issuedAt > MAX_SESSION_SIG_LIFETIME_MS) {
      throw malformed("a sessionSig may live at most 24 h (issuedAt to expiration)");
    }

    const capability = this.cachedCapabilityOf(payload, sessionSig.address);
    checkAbilities(payload.resourceAbilityRequests, use, capability.tokenId);
    if (use.kind === "pkpSign" && use.tokenId !== capability.tokenId) {
      throw new AuthError(
        "SESSION_WRONG_TARGET",
        `the session is for PKP ${capability.tokenId} (${capability.pkpAddress}), not PKP ${use.tokenId}`,
      );
    }
    return capability;
  }

  private cachedCapabilityOf(
    payload: SessionSigPayload,
    sessionPublicKey: string,
  ): VerifiedSession {
    const capability = payload.capabilities.find(
      (c) => typeof c === "object" && c !== null && c.derivedVia === CAPABILITY_DERIVED_VIA,
    );
    if (typeof capability?.signedMessage !== "string" || typeof capability.sig !== "string") {
      return this.capabilityOf(payload, sessionPublicKey).session; // refused there, with a reason
    }
    const key = createHash("sha256")
      .update(`${sessionPublicKey}\n${capability.sig}\n${capability.signedMessage}`)
      .digest("base64");
    const cached = this.#capabilities.get(key);
    if (cached !== undefined) {
      if (Date.parse(cached.expiration) <= this.now()) {
        this.#capabilities.delete(key);
        throw new AuthError(
          "SESSION_EXPIRED",
          `the session expired at ${cached.expiration}; open a new one (POST /pkp/session)`,
        );
      }
      return cached.session;
    }
    const verified = this.capabilityOf(payload, sessionPublicKey);
    if (this.#capabilities.size >= MAX_CACHED_CAPABILITIES) {
      // Oldest first (Map keeps insertion order).
      this.#capabilities.delete(this.#capabilities.keys().next().value as string);
    }
    this.#capabilities.set(key, verified);
    return verified.session;
  }

  private capabilityOf(
    payload: SessionSigPayload,
    sessionPublicKey: string,
  ): { session: VerifiedSession; expiration: string } {
    const capability = payload.capabilities.find(
      (c) => typeof c === "object" && c !== null && c.derivedVia === CAPABILITY_DERIVED_VIA,
    );
    if (capability === undefined) {
      throw malformed(
        `the sessionSig carries no capability from /pkp/session (derivedVia ${CAPABILITY_DERIVED_VIA})`,
      );
    }
    if (typeof capability.signedMessage !== "string" || typeof capability.sig !== "string") {
      throw malformed("the capability is not an authSig");
    }
    let siwe: SiweMessage;
    try {
      siwe = parseSiweMessage(capability.signedMessage);
    } catch (error) {
      if (error instanceof SiweParseError)
        throw malformed(`the capability's SIWE: ${error.message}`);
      throw error;
    }
    if (siwe.uri !== sessionKeyUri(sessionPublicKey)) {
      throw malformed(`the capability is for session key ${siwe.uri}, not this one`);
    }
    if (BigInt(siwe.chainId) !== this.options.chainId) {
      throw new AuthError(
        "SESSION_WRONG_TARGET",
        `the session is for chain ${siwe.chainId}; this oracle serves chain ${this.options.chainId}`,
      );
    }
    let signer: string;
    try {
      signer = verifyMessage(capability.signedMessage, capability.sig);
    } catch {
      throw malformed("the capability's signature is not a 65-byte ECDSA signature");
    }
    if (signer.toLowerCase() !== siwe.address.toLowerCase()) {
      throw malformed("the capability is not signed by its PKP");
    }
    const entry = capabilityEntry(siwe.resources, AUTH_CONTEXT_RESOURCE, AUTH_CONTEXT_ABILITY) as
      { auth_context?: unknown; pkp_public_key?: unknown; oracle_tag?: unknown } | undefined;
    if (
      entry === undefined ||
      typeof entry.pkp_public_key !== "string" ||
      typeof entry.oracle_tag !== "string" ||
      !isAuthContext(entry.auth_context)
    ) {
      throw malformed("the capability carries no resolved auth context");
    }
    let pkpPublicKey: string;
    try {
      pkpPublicKey = normalizePublicKey(entry.pkp_public_key).toLowerCase();
    } catch {
      throw malformed("the capability's PKP public key is not one");
    }
    if (computeAddress(pkpPublicKey) !== getAddress(siwe.address)) {
      throw malformed("the capability's PKP public key is not its address's");
    }
    const expected = capabilityTag(this.options.keys.tagSecret, {
      chainId: this.options.chainId.toString(),
      pkpPublicKey,
      sessionKeyUri: siwe.uri,
      issuedAt: siwe.issuedAt,
      expiration: siwe.expirationTime ?? "",
      authContext: entry.auth_context,
    });
    if (expected !== entry.oracle_tag.toLowerCase()) {
      throw new AuthError(
        "SESSION_WRONG_TARGET",
        "the session's capability was not issued by this oracle (another oracle's, or forged): open a session with this oracle",
      );
    }
    if (siwe.expirationTime === undefined || Date.parse(siwe.expirationTime) <= this.now()) {
      throw new AuthError(
        "SESSION_EXPIRED",
        `the session expired at ${siwe.expirationTime ?? "?"}; open a new one (POST /pkp/session)`,
      );
    }
    const pkpAddress = getAddress(siwe.address);
    const expiresAt = Date.parse(siwe.expirationTime);
    const session: VerifiedSession = {
      pkpPublicKey,
      pkpAddress,
      tokenId: tokenIdFromPublicKey(pkpPublicKey),
      authMethods: entry.auth_context.authMethodContexts.map((c) => methodOf(c, expiresAt)),
      authContext: { ...entry.auth_context, authSigAddress: pkpAddress },
    };
    return { session, expiration: siwe.expirationTime };
  }
}

/** A verified auth method again, from its context in a capability this oracle issued. */
function methodOf(context: AuthMethodContext, expiresAt: number): VerifiedAuthMethod {
  const authMethodType = BigInt(context.authMethodType);
  return {
    authMethodType,
    id: authMethodIdOf(context.userId, context.appId),
    userId: context.userId,
    appId: context.appId,
    expiresAt,
    ...(authMethodType === AUTH_METHOD_ADDRESS ? { address: getAddress(context.userId) } : {}),
    ...(context.claims !== undefined ? { claims: context.claims } : {}),
  };
}

function checkAbilities(
  requests: ResourceAbilityRequest[],
  use: SessionUse,
  sessionTokenId: bigint,
): void {
  const [prefix, ability, targets] =
    use.kind === "pkpSign"
      ? [PKP_RESOURCE_PREFIX, PKP_SIGNING_ABILITY, tokenIdForms(sessionTokenId)]
      : use.kind === "execute"
        ? [ACTION_RESOURCE_PREFIX, ACTION_EXECUTION_ABILITY, [use.ipfsId.toLowerCase()]]
        : [ACCESS_CONTROL_RESOURCE_PREFIX, DECRYPTION_ABILITY, [use.resource.toLowerCase()]];
  const granted = requests.some((request) => {
    const { resourcePrefix, resource } = resourceOf(request.resource);
    return (
      request.ability === ability &&
      resourcePrefix === prefix &&
      (resource === "*" || targets.includes(resource.toLowerCase()))
    );
  });
  if (!granted) {
    throw new AuthError(
      "SESSION_WRONG_TARGET",
      `the sessionSig does not request ${ability} on ${prefix}://* (or on ${targets[0]}); ` +
        "add it to resourceAbilityRequests",
    );
  }
}

function tokenIdForms(tokenId: bigint): string[] {
  const hex = tokenId.toString(16).padStart(64, "0");
  return [hex, `0x${hex}`, tokenId.toString()];
}

function resourceOf(resource: ResourceAbilityRequest["resource"]): {
  resourcePrefix: string;
  resource: string;
} {
  if (typeof resource === "string") {
    const at = resource.indexOf("://");
    return at < 0
      ? { resourcePrefix: "", resource }
      : { resourcePrefix: resource.slice(0, at), resource: resource.slice(at + 3) };
  }
  return { resourcePrefix: String(resource.resourcePrefix), resource: String(resource.resource) };
}

function shapeOf(value: unknown): SessionSig {
  if (typeof value !== "object" || value === null)
    throw malformed("a sessionSig must be an object");
  const sig = value as Record<string, unknown>;
  if (sig.algo !== SESSION_SIG_ALGO || sig.derivedVia !== SESSION_SIG_DERIVED_VIA) {
    throw malformed(
      `a sessionSig has algo "${SESSION_SIG_ALGO}" and derivedVia "${SESSION_SIG_DERIVED_VIA}"`,
    );
  }
  if (typeof sig.sig !== "string" || !/^(0x)?[0-9a-fA-F]{128}$/.test(sig.sig)) {
    throw malformed("a sessionSig's sig is 64 bytes of hex");
  }
  if (typeof sig.address !== "string" || !/^[0-9a-fA-F]{64}$/.test(sig.address)) {
    throw malformed("a sessionSig's address is the session public key, 64 hex without 0x");
  }
  if (
    typeof sig.signedMessage !== "string" ||
    sig.signedMessage.length > MAX_SIGNED_MESSAGE_CHARS
  ) {
    throw malformed(
      `a sessionSig's signedMessage is a string of at most ${MAX_SIGNED_MESSAGE_CHARS} characters`,
    );
  }
  return sig as unknown as SessionSig;
}

function payloadOf(sessionSig: SessionSig): SessionSigPayload {
  let payload: Partial<SessionSigPayload> | null;
  try {
    payload = JSON.parse(sessionSig.signedMessage) as Partial<SessionSigPayload> | null;
  } catch {
    throw malformed("a sessionSig's signedMessage is not JSON");
  }
  if (
    typeof payload !== "object" ||
    payload === null ||
    typeof payload.sessionKey !== "string" ||
    typeof payload.nodeAddress !== "string" ||
    typeof payload.issuedAt !== "string" ||
    typeof payload.expiration !== "string" ||
    Number.isNaN(Date.parse(payload.issuedAt)) ||
    Number.isNaN(Date.parse(payload.expiration)) ||
    !Array.isArray(payload.capabilities) ||
    payload.capabilities.length > MAX_CAPABILITIES ||
    !Array.isArray(payload.resourceAbilityRequests) ||
    !payload.resourceAbilityRequests.every(isResourceAbilityRequest)
  ) {
    throw malformed(
      "a sessionSig's signedMessage is { sessionKey, resourceAbilityRequests, capabilities, issuedAt, expiration, nodeAddress }",
    );
  }
  if (payload.sessionKey.toLowerCase() !== sessionSig.address.toLowerCase()) {
    throw malformed("a sessionSig's signedMessage names another session key than its address");
  }
  return payload as SessionSigPayload;
}

function isResourceAbilityRequest(value: unknown): value is ResourceAbilityRequest {
  if (typeof value !== "object" || value === null) return false;
  const { resource, ability } = value as Record<string, unknown>;
  if (typeof ability !== "string") return false;
  if (typeof resource === "string") return true;
  return (
    typeof resource === "object" &&
    resource !== null &&
    typeof (resource as Record<string, unknown>).resource === "string" &&
    typeof (resource as Record<string, unknown>).resourcePrefix === "string"
  );
}

function isAuthContext(value: unknown): value is AuthContext {
  if (typeof value !== "object" || value === null) return false;
  const contexts = (value as { authMethodContexts?: unknown }).authMethodContexts;
  return (
    Array.isArray(contexts) &&
    contexts.every(
      (c) =>
        typeof c === "object" &&
        c !== null &&
        typeof (c as AuthMethodContext).userId === "string" &&
        typeof (c as AuthMethodContext).appId === "string" &&
        Number.isSafeInteger((c as AuthMethodContext).authMethodType),
    )
  );
}

/** Ed25519 with node's native crypto (the pure-JS verifier took milliseconds per request). */
function verifyEd25519(signatureHex: string, message: string, publicKeyHex: string): boolean {
  try {
    const key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(publicKeyHex, "hex")]),
      format: "der",
      type: "spki",
    });
    return verifySignature(
      null,
      Buffer.from(message, "utf8"),
      key,
      Buffer.from(signatureHex.replace(/^0x/, ""), "hex"),
    );
  } catch {
    return false;
  }
}

function malformed(message: string): AuthError {
  return new AuthError("INVALID_SESSION", message);
}
