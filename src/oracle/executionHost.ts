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
  view: PinnedChainView;
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
    switch (request.method) {
      case "signEcdsa":
        return asHostValue(await this.sign(request.publicKey, request.toSign, SCOPE_SIGN_ANYTHING));
      case "signAndCombineEcdsa":
        return JSON.stringify(
          await this.sign(request.publicKey, request.toSign, SCOPE_SIGN_ANYTHING),
        );
      case "ethPersonalSignMessageEcdsa":
        return asHostValue(
          await this.sign(
            request.publicKey,
            ethPersonalMessageDigest(ethers.getBytes(request.message)),
            SCOPE_PERSONAL_SIGN,
          ),
        );
      case "isPermittedAction":
        return this.options.view.isPermittedAuthMethod(
          request.tokenId,
          AUTH_METHOD_ACTION,
          cidToBytes(request.ipfsId),
        );
      case "isPermittedAddress":
        return this.options.view.isPermittedAddress(request.tokenId, request.address);
      case "isPermittedAuthMethod":
        return this.options.view.isPermittedAuthMethod(
          request.tokenId,
          request.authMethodType,
          request.userId,
        );
      case "getPermittedActions":
        return (await this.options.view.getPermittedActions(request.tokenId)).map(actionIdOf);
      case "getPermittedAddresses":
        return this.options.view.getPermittedAddresses(request.tokenId);
      case "getPermittedAuthMethods":
        return (await this.options.view.getPermittedAuthMethods(request.tokenId)).map((m) => ({
          auth_method_type: ethers.toBeHex(m.authMethodType),
          id: m.id,
          user_pubkey: m.userPubkey,
        }));
      case "getPermittedAuthMethodScopes":
        return this.options.view.getPermittedAuthMethodScopes(
          request.tokenId,
          request.authMethodType,
          request.userId,
          request.maxScopeId,
        );
      default:
        throw new Error(`${request.method} is not implemented yet`);
    }
  }

  private async sign(publicKey: string, digest: string, scope: bigint): Promise<LitSignature> {
    const { view, keystore, actionCidBytes, authSigAddress, signer } = this.options;
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
