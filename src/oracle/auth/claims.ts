/**
 * Claimed keys (Lit's `claimKey` / `claimAndMint`, LIT-AUTH.md B): a key whose id is derived from
 * an action (`keccak256("<cid>_<keyId>")`) or from an auth method (its id) exists before anyone
 * pays gas; whoever holds the claim mints it later with `PKPNFT.claimAndMint`.
 *
 * A claim, for one derivedKeyId:
 * 1. the keystore derives the key from its root secret — `deriveKey("claim-key", derivedKeyId)`:
 *    the same id always gives the same key — and stores it durably like a pool key;
 * 2. the router must route derivedKeyId to that key: if it routes nothing yet, the oracle's
 *    key-provider account routes it (`setDerivedRoutingData`, one transaction, at most
 *    `maxNewPerMinute` new keys a minute: CLAIMS_RATE_LIMITED); if it routes another key,
 *    CLAIM_CONFLICT (a key this oracle did not derive — another keystore served this chain);
 * 3. the oracle's "validator" — the same key-provider account, which `claimAndMint` accepts as a
 *    validator — signs the 32 derivedKeyId bytes with EIP-191, as each Lit node does.
 * Only then is the claim answered, so `claimAndMint` with its signature can always mint the key.
 *
 * The signature binds only derivedKeyId, as on Lit (docs/WALLET.md says why we keep it so).
 */
import {
  Signature,
  ZeroAddress,
  getBytes,
  hexlify,
  isHexString,
  keccak256,
  toUtf8Bytes,
  type Signer,
} from "ethers";
import { KEY_TYPE_ECDSA } from "../../protocol";
import { messageOf } from "../../errorText";
import type { Keystore } from "../keystore";
import { AuthError } from "./authErrors";

/** The keystore purpose of claimed keys (Keystore.deriveKey). */
export const CLAIM_KEY_PURPOSE = "claim-key";
/** New keys routed per minute at most, by default (each one is a transaction the oracle pays). */
export const DEFAULT_MAX_NEW_CLAIMS_PER_MINUTE = 60;

/** One claim signature in the shape `claimAndMint` takes (Lit's IPubkeyRouter.Signature). */
export interface ClaimSignature {
  r: string;
  s: string;
  v: number;
}

/** A claimed key, ready for `claimAndMint(keyType, derivedKeyId, signatures, staking)`. */
export interface KeyClaim {
  /** 0x-hex, 32 bytes. */
  derivedKeyId: string;
  /** The key routed for it (0x04…, 65 bytes). */
  publicKey: string;
  tokenId: bigint;
  keyType: number;
  /** One signature: this oracle is the one validator. */
  signatures: ClaimSignature[];
}

/** What claims need of the router (PubkeyRouter's typechain handle, key-provider signer). */
export interface ClaimRouter {
  getDerivedPubkey(stakingContract: string, derivedKeyId: string): Promise<string>;
  setDerivedRoutingData(
    derivedKeyId: string,
    pubkey: string,
    keyType: bigint,
  ): Promise<{ wait(): Promise<unknown> }>;
}

/**
 * The router as a ClaimRouter, if its ABI has derived keys (a deployment from before
 * claimAndMint has not: claims then answer CLAIMS_UNAVAILABLE).
 */
export function claimRouterOf(router: object): ClaimRouter | undefined {
  const candidate = router as Partial<Record<keyof ClaimRouter, unknown>>;
  return typeof candidate.getDerivedPubkey === "function" &&
    typeof candidate.setDerivedRoutingData === "function"
    ? (router as ClaimRouter)
    : undefined;
}

export interface ClaimsOptions {
  /** Connected to the key-provider account (the account that routes the pool's keys). */
  router: ClaimRouter;
  /** The key-provider account: routes derived keys and signs claims. */
  validator: Pick<Signer, "signMessage">;
  /** Default 60. */
  maxNewPerMinute?: number;
  now?: () => number;
}

export class ClaimIssuer {
  /** Claims in progress by derivedKeyId: concurrent claims of one id share one transaction. */
  readonly #inFlight = new Map<string, Promise<KeyClaim>>();
  /** When recent new keys were routed (ms), for the per-minute bound. */
  #recent: number[] = [];
  /** Routing transactions go one at a time (one account, one nonce sequence). */
  #routing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly keystore: Keystore,
    private readonly options: ClaimsOptions,
  ) {}

  /** Claims the key of `derivedKeyId` (32 bytes); see the module comment. */
  claim(derivedKeyId: string): Promise<KeyClaim> {
    if (!isHexString(derivedKeyId, 32) || BigInt(derivedKeyId) === 0n) {
      return Promise.reject(
        new AuthError("INVALID_AUTH_METHOD", "a derived key id is 32 non-zero bytes"),
      );
    }
    const id = derivedKeyId.toLowerCase();
    let claim = this.#inFlight.get(id);
    if (claim === undefined) {
      claim = this.#claim(id).finally(() => this.#inFlight.delete(id));
      this.#inFlight.set(id, claim);
    }
    return claim;
  }

  async #claim(derivedKeyId: string): Promise<KeyClaim> {
    const deriveKey = this.keystore.deriveKey?.bind(this.keystore);
    if (deriveKey === undefined) {
      throw new AuthError("CLAIMS_UNAVAILABLE", "this oracle's keystore cannot derive keys");
    }
    const key = await deriveKey(CLAIM_KEY_PURPOSE, getBytes(derivedKeyId), Number(KEY_TYPE_ECDSA));
    let routed = await this.#routedKey(derivedKeyId);
    if (routed === "0x") {
      this.#countNewKey();
      try {
        await this.#route(derivedKeyId, key.publicKey);
      } catch (error) {
        // Another claim (another process of this oracle) may have routed it meanwhile: re-read.
        routed = await this.#routedKey(derivedKeyId);
        if (routed === "0x") {
          throw new AuthError(
            "CLAIMS_UNAVAILABLE",
            `routing the claimed key failed: ${messageOf(error)}`,
          );
        }
      }
      routed = await this.#routedKey(derivedKeyId);
    }
    if (routed.toLowerCase() !== key.publicKey) {
      throw new AuthError(
        "CLAIM_CONFLICT",
        `derived key id ${derivedKeyId} is routed to a key this oracle did not derive (${routed.slice(0, 20)}…)`,
      );
    }
    const signature = Signature.from(
      await this.options.validator.signMessage(getBytes(derivedKeyId)),
    );
    return {
      derivedKeyId,
      publicKey: key.publicKey,
      tokenId: key.tokenId,
      keyType: key.keyType,
      signatures: [{ r: signature.r, s: signature.s, v: signature.v }],
    };
  }

  async #routedKey(derivedKeyId: string): Promise<string> {
    try {
      return hexlify(await this.options.router.getDerivedPubkey(ZeroAddress, derivedKeyId));
    } catch (error) {
      throw new AuthError(
        "CLAIMS_UNAVAILABLE",
        `cannot read the router's derived keys: ${messageOf(error)}`,
      );
    }
  }

  #countNewKey(): void {
    const now = (this.options.now ?? Date.now)();
    this.#recent = this.#recent.filter((t) => t > now - 60_000);
    const max = this.options.maxNewPerMinute ?? DEFAULT_MAX_NEW_CLAIMS_PER_MINUTE;
    if (this.#recent.length >= max) {
      throw new AuthError(
        "CLAIMS_RATE_LIMITED",
        `more than ${max} new keys claimed in the last minute; try again shortly`,
      );
    }
    this.#recent.push(now);
  }

  #route(derivedKeyId: string, publicKey: string): Promise<unknown> {
    const next = this.#routing.then(async () => {
      const tx = await this.options.router.setDerivedRoutingData(
        derivedKeyId,
        publicKey,
        KEY_TYPE_ECDSA,
      );
      await tx.wait();
    });
    this.#routing = next.catch(() => undefined);
    return next;
  }
}

/** Lit's derived key id of an action's claim: keccak256(utf8("<cid>_<keyId>")) (LIT-AUTH B.1). */
export function derivedKeyIdOfAction(ipfsId: string, keyId: string): string {
  return keccak256(toUtf8Bytes(`${ipfsId}_${keyId}`));
}

/** Lit's claim result shape: the id without 0x, the signatures as `{ r, s, v }`. */
export interface LitClaim {
  signatures: ClaimSignature[];
  derivedKeyId: string;
}

export function litClaimOf(claim: KeyClaim): LitClaim {
  return { signatures: claim.signatures, derivedKeyId: claim.derivedKeyId.slice(2) };
}
