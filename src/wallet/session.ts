/**
 * A client's session with the oracle (Lit's getPkpSessionSigs, LIT-AUTH.md A.4): log in once with
 * auth methods, then sign each request with a throwaway ed25519 session key — the auth methods
 * (an ID token, a wallet signature) are not sent again.
 *
 *   const session = await PkpSession.open({ oracle, provider, pkpPublicKey, authMethods });
 *   await oracle.pkpSign({ pubKey, toSign, sessionSigs: session.sessionSigs() });
 *
 * The session key's secret never leaves this object. `sessionSigs()` signs a fresh sessionSig for
 * every request (valid `sessionSigLifetimeSeconds`, default 60): the oracle binds a sessionSig to
 * the first request it carries, so one must never be reused for another request.
 */
import { ed25519 } from "@noble/curves/ed25519";
import { computeAddress, type Provider } from "ethers";
import { formatSiweMessage } from "../oracle/siwe";
import type { AuthSig } from "../oracle/authSig";
import type { AuthMethod } from "../oracle/auth/authMethods";
import {
  ACTION_EXECUTION_ABILITY,
  ACTION_RESOURCE_PREFIX,
  PKP_RESOURCE_PREFIX,
  PKP_SIGNING_ABILITY,
  SESSION_SIG_ALGO,
  SESSION_SIG_DERIVED_VIA,
  sessionKeyUri,
  type ResourceAbilityRequest,
  type SessionSig,
  type SessionSigPayload,
} from "../oracle/auth/sessionFormat";
import { WalletError, type OracleEndpoint } from "./oracleEndpoint";

/** By default a session may sign with its PKP and run actions (Lit's usual request). */
export const DEFAULT_RESOURCE_ABILITY_REQUESTS: ResourceAbilityRequest[] = [
  {
    resource: { resource: "*", resourcePrefix: PKP_RESOURCE_PREFIX },
    ability: PKP_SIGNING_ABILITY,
  },
  {
    resource: { resource: "*", resourcePrefix: ACTION_RESOURCE_PREFIX },
    ability: ACTION_EXECUTION_ABILITY,
  },
];

export interface OpenSessionOptions {
  oracle: OracleEndpoint;
  /** The oracle's chain: its id and latest block hash (the SIWE's nonce). */
  provider: Provider;
  /** The PKP (0x04…, 65 bytes). */
  pkpPublicKey: string;
  /** At least one; each must hold scope 1 or 2 on the PKP. */
  authMethods: AuthMethod[];
  /** Default 1 h (the oracle cuts it to its maximum, 24 h by default). */
  expiresInSeconds?: number;
  /** The SIWE domain; default "localhost". */
  domain?: string;
  resourceAbilityRequests?: ResourceAbilityRequest[];
  /** Each sessionSig's lifetime; default 60 s. */
  sessionSigLifetimeSeconds?: number;
}

export class PkpSession {
  readonly #secret: Uint8Array;
  /** The last sessionSig's issuedAt (ms): each new one is later, so no two are alike. */
  #lastIssuedAt = 0;

  private constructor(
    secret: Uint8Array,
    /** The session public key, 64 hex (no 0x). */
    readonly sessionPublicKey: string,
    readonly pkpPublicKey: string,
    /** The oracle's capability for this session key. */
    readonly capability: AuthSig,
    /** What sessionSigs name as the oracle. */
    readonly nodeAddress: string,
    /** When the capability expires (ISO). */
    readonly expiration: string,
    private readonly resourceAbilityRequests: ResourceAbilityRequest[],
    private readonly sessionSigLifetimeMs: number,
  ) {
    this.#secret = secret;
  }

  /** Makes a session key and asks the oracle for its capability (POST /pkp/session). */
  static async open(options: OpenSessionOptions): Promise<PkpSession> {
    const secret = ed25519.utils.randomPrivateKey();
    const sessionPublicKey = Buffer.from(ed25519.getPublicKey(secret)).toString("hex");
    const uri = sessionKeyUri(sessionPublicKey);
    const [network, latest] = await Promise.all([
      options.provider.getNetwork(),
      options.provider.getBlock("latest"),
    ]);
    if (latest?.hash == null) {
      throw new WalletError(
        "NO_PROVIDER",
        "the provider gave no latest block hash (the SIWE nonce)",
      );
    }
    const now = Date.now();
    const siweMessage = formatSiweMessage({
      domain: options.domain ?? "localhost",
      address: computeAddress(options.pkpPublicKey),
      statement: "Lit Protocol PKP session signature: this session key may sign with the PKP.",
      uri,
      version: "1",
      chainId: Number(network.chainId),
      nonce: latest.hash,
      issuedAt: new Date(now).toISOString(),
      expirationTime: new Date(now + (options.expiresInSeconds ?? 3600) * 1000).toISOString(),
    });
    const result = await options.oracle.createSession({
      sessionKey: uri,
      authMethods: options.authMethods,
      pkpPublicKey: options.pkpPublicKey,
      siweMessage,
    });
    if (!result.success) {
      throw new WalletError(
        "ORACLE_REFUSED",
        `the oracle refused the session: ${result.error.code}: ${result.error.message}`,
        result.error.code,
      );
    }
    return new PkpSession(
      secret,
      sessionPublicKey,
      options.pkpPublicKey,
      result.authSig,
      result.nodeAddress,
      result.expiration,
      options.resourceAbilityRequests ?? DEFAULT_RESOURCE_ABILITY_REQUESTS,
      (options.sessionSigLifetimeSeconds ?? 60) * 1000,
    );
  }

  /** A fresh sessionSig for one request (Lit's shape), signed with the session key. */
  sessionSigs(nodeAddress = this.nodeAddress): SessionSig {
    // ed25519 is deterministic: two sessionSigs made in the same millisecond would be the same
    // sessionSig, and the oracle binds one to the first request it carries (SESSION_REPLAYED for
    // the second). A strictly increasing issuedAt keeps them distinct in Lit's payload shape.
    const now = Math.max(Date.now(), this.#lastIssuedAt + 1);
    this.#lastIssuedAt = now;
    const capabilityEnd = Date.parse(this.expiration);
    const payload: SessionSigPayload = {
      sessionKey: this.sessionPublicKey,
      resourceAbilityRequests: this.resourceAbilityRequests,
      capabilities: [this.capability],
      issuedAt: new Date(now).toISOString(),
      expiration: new Date(Math.min(now + this.sessionSigLifetimeMs, capabilityEnd)).toISOString(),
      nodeAddress,
    };
    const signedMessage = JSON.stringify(payload);
    const sig = ed25519.sign(new TextEncoder().encode(signedMessage), this.#secret);
    return {
      sig: Buffer.from(sig).toString("hex"),
      derivedVia: SESSION_SIG_DERIVED_VIA,
      signedMessage,
      address: this.sessionPublicKey,
      algo: SESSION_SIG_ALGO,
    };
  }
}
