/**
 * Answers one execution's Lit.Actions calls: permission reads from the pinned chain view, and
 * signatures — made only after authorization, with the keystore, which is the only holder of keys.
 * A refused or impossible signature ends the whole execution (FatalHostError): no partial results.
 */
import { ethers } from "ethers";
import { cidFromBytes, cidToBytes } from "../cid";
import { AUTH_METHOD_ACTION, SCOPE_PERSONAL_SIGN, SCOPE_SIGN_ANYTHING } from "../protocol";
import { authorizeHeldKey, type AuthMethodGrant } from "./authorization";
import { derivedKeyIdOfAction, litClaimOf, type KeyClaim, type LitClaim } from "./auth/claims";
import type { PinnedChainView } from "./chainView";
import { OracleError, toOracleError } from "./errors";
import type { Keystore } from "./keystore";
// From the modules, not ./runtime's index: this host also runs in the explorer's browser bundle,
// which must not pull in the worker-thread pool.
import { FatalHostError } from "./runtime/actionFailure";
import type { HostRequest, HostValue } from "./runtime/hostRequest";
import type { ActionHost } from "./runtime/runSession";
import { ethPersonalMessageDigest, type LitSignature, tokenIdFromPublicKey } from "./signing";

/** Signs a digest for an authorized request; the default signs with the keystore. */
export type DigestSigner = (tokenId: bigint, digest: string) => LitSignature;

export interface ExecutionHostOptions {
  /**
   * The chain at the execution's pinned block. A promise while the pin is in flight: the oracle
   * pins when the run starts (after any queue wait) and the action starts running meanwhile; its
   * host calls wait here for the view.
   */
  view: PinnedChainView | Promise<PinnedChainView>;
  keystore: Keystore;
  /** The running action's CID as 34 on-chain bytes. */
  actionCidBytes: string;
  authSigAddress?: string;
  /** The request's verified auth methods (directly or through a session). */
  authMethods?: readonly AuthMethodGrant[];
  /** Replaces signing (the proof verifier records requests instead of signing). */
  signer?: DigestSigner;
  /** Claims a key for a derived key id (Lit.Actions.claimKey); absent: CLAIMS_UNAVAILABLE. */
  claimKey?: (derivedKeyId: string) => Promise<KeyClaim>;
}

/** Distinct keyIds one execution may claim (each may cost the oracle a transaction). */
export const MAX_CLAIMS_PER_RUN = 16;

export class ExecutionHost implements ActionHost {
  /** The run's claims by keyId, in Lit's result shape (ExecuteSuccess.claims). */
  readonly claims: Record<string, LitClaim> = {};
  #claimCount = 0;

  constructor(private readonly options: ExecutionHostOptions) {}

  async call(request: HostRequest): Promise<HostValue> {
    const view = await this.pinnedView();
    switch (request.method) {
      case "signEcdsa":
        return asHostValue(
          await this.sign(view, request.publicKey, request.toSign, SCOPE_SIGN_ANYTHING),
        );
      case "signAndCombineEcdsa":
        return JSON.stringify(
          await this.sign(view, request.publicKey, request.toSign, SCOPE_SIGN_ANYTHING),
        );
      case "ethPersonalSignMessageEcdsa":
        return asHostValue(
          await this.sign(
            view,
            request.publicKey,
            ethPersonalMessageDigest(ethers.getBytes(request.message)),
            SCOPE_PERSONAL_SIGN,
          ),
        );
      case "isPermittedAction":
        return view.isPermittedAuthMethod(
          request.tokenId,
          AUTH_METHOD_ACTION,
          cidToBytes(request.ipfsId),
        );
      case "isPermittedAddress":
        return view.isPermittedAddress(request.tokenId, request.address);
      case "isPermittedAuthMethod":
        return view.isPermittedAuthMethod(request.tokenId, request.authMethodType, request.userId);
      case "getPermittedActions":
        return (await view.getPermittedActions(request.tokenId)).map(actionIdOf);
      case "getPermittedAddresses":
        return view.getPermittedAddresses(request.tokenId);
      case "getPermittedAuthMethods":
        return (await view.getPermittedAuthMethods(request.tokenId)).map((m) => ({
          auth_method_type: ethers.toBeHex(m.authMethodType),
          id: m.id,
          user_pubkey: m.userPubkey,
        }));
      case "getPermittedAuthMethodScopes":
        return view.getPermittedAuthMethodScopes(
          request.tokenId,
          request.authMethodType,
          request.userId,
          request.maxScopeId,
        );
      case "claimKey":
        await this.claim(request.keyId);
        return "success";
    }
  }

  /**
   * Lit's claimKey: derivedKeyId = keccak256("<running CID>_<keyId>"); the key is derived,
   * routed and signed for before the action goes on, and lands in the result's `claims`. A
   * failed claim ends the execution with its code, as a refused signature does.
   */
  private async claim(keyId: string): Promise<void> {
    try {
      if (this.options.claimKey === undefined) {
        throw new OracleError("CLAIMS_UNAVAILABLE", "this oracle cannot claim keys");
      }
      const known = Object.prototype.hasOwnProperty.call(this.claims, keyId);
      if (!known && this.#claimCount >= MAX_CLAIMS_PER_RUN) {
        throw new OracleError(
          "LIMIT_EXCEEDED",
          `more than ${MAX_CLAIMS_PER_RUN} keys claimed in one execution`,
        );
      }
      if (!known) this.#claimCount += 1;
      const ipfsId = cidFromBytes(this.options.actionCidBytes);
      const claim = await this.options.claimKey(derivedKeyIdOfAction(ipfsId, keyId));
      // defineProperty: a keyId "__proto__" stays an ordinary key.
      Object.defineProperty(this.claims, keyId, {
        value: litClaimOf(claim),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } catch (error) {
      const refusal = toOracleError(error);
      throw new FatalHostError(refusal.code, refusal.message);
    }
  }

  /** The pinned view; a failed pin (chain unreachable) ends the execution with its code. */
  private async pinnedView(): Promise<PinnedChainView> {
    try {
      return await this.options.view;
    } catch (error) {
      const refusal = toOracleError(error);
      throw new FatalHostError(refusal.code, refusal.message);
    }
  }

  private async sign(
    view: PinnedChainView,
    publicKey: string,
    digest: string,
    scope: bigint,
  ): Promise<LitSignature> {
    const { keystore, actionCidBytes, authSigAddress, authMethods, signer } = this.options;
    const tokenId = tokenIdFromPublicKey(publicKey);
    try {
      await authorizeHeldKey(view, keystore, {
        publicKey,
        tokenId,
        actionCidBytes,
        authSigAddress,
        authMethods,
        scope,
      });
      return signer ? signer(tokenId, digest) : keystore.signDigest(tokenId, digest);
    } catch (error) {
      const refusal = toOracleError(error);
      throw new FatalHostError(refusal.code, refusal.message);
    }
  }
}

function asHostValue(signature: LitSignature): HostValue {
  return { ...signature };
}

/** On-chain action ids become CIDs where they are CIDv0 multihashes, else stay hex. */
function actionIdOf(id: string): string {
  try {
    return cidFromBytes(id);
  } catch {
    return id;
  }
}
