/**
 * Answers one execution's Lit.Actions calls: permission reads from the pinned chain view, and
 * signatures — made only after authorization, with the keystore, which is the only holder of keys.
 * A refused or impossible signature ends the whole execution (FatalHostError): no partial results.
 */
import { ethers } from "ethers";
import { cidFromBytes, cidToBytes } from "../cid";
import { AUTH_METHOD_ACTION, SCOPE_PERSONAL_SIGN, SCOPE_SIGN_ANYTHING } from "../protocol";
import { authorizeHeldKey } from "./authorization";
import type { PinnedChainView } from "./chainView";
import { toOracleError } from "./errors";
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
  /** Replaces signing (the proof verifier records requests instead of signing). */
  signer?: DigestSigner;
}

export class ExecutionHost implements ActionHost {
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
    const { keystore, actionCidBytes, authSigAddress, signer } = this.options;
    const tokenId = tokenIdFromPublicKey(publicKey);
    try {
      await authorizeHeldKey(view, keystore, {
        publicKey,
        tokenId,
        actionCidBytes,
        authSigAddress,
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
