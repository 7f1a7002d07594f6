/**
 * Answers one execution's Lit.Actions calls: permission reads from the pinned chain view,
 * signatures — made only after authorization, with the keystore, which is the only holder of keys
 * —, the action's own key (signAsAction), the network (fetch, RPC, nonces, contract reads:
 * ./hostNetwork.ts), child actions (`call`) and encryption under access-control conditions
 * (./conditions/). A refused or impossible signature ends the whole execution (FatalHostError):
 * no partial results.
 *
 * Every call names the action asking (`context.ipfsId`): a child of `Lit.Actions.call` signs with
 * its own CID's permissions, never its parent's, and `:currentActionIpfsId` is its CID.
 */
import { ethers } from "ethers";
import { cidFromBytes, cidToBytes } from "../cid";
import { AUTH_METHOD_ACTION, SCOPE_PERSONAL_SIGN, SCOPE_SIGN_ANYTHING } from "../protocol";
import * as actionKeys from "./actionKeys";
import { derivedKeyIdOfAction, litClaimOf, type KeyClaim, type LitClaim } from "./auth/claims";
import { authorizeHeldKey, type AuthMethodGrant } from "./authorization";
import type { Chains } from "./chains";
import type { PinnedChainView } from "./chainView";
import { ConditionalEncryption, conditionCallerOf, type CallerIdentity } from "./conditions/caller";
import { OracleError, toOracleError } from "./errors";
import type { FetchLimits } from "./fetch/limits";
import { HostNetwork } from "./hostNetwork";
import type { Keystore } from "./keystore";
// From the modules, not ./runtime's index: this host also runs in the explorer's browser bundle,
// which must not pull in the worker-thread pool.
import { FatalHostError } from "./runtime/actionFailure";
import {
  InvalidArgumentError,
  type HostCallContext,
  type HostRequest,
  type HostValue,
} from "./runtime/hostRequest";
import type { ActionHost } from "./runtime/runSession";
import { ethPersonalMessageDigest, type LitSignature, tokenIdFromPublicKey } from "./signing";
import { ReplayMismatchError, type World } from "./world";

/** Signs a digest for an authorized request; the default signs with the keystore. */
export type DigestSigner = (tokenId: bigint, digest: string) => LitSignature;

/** Inside actions, conditions are read as Lit's nodes read them: as unified conditions. */
const ACTION_CONDITIONS = "unifiedAccessControlConditions";

export interface ExecutionHostOptions {
  /**
   * The chain at the execution's pinned block. A promise while the pin is in flight: the oracle
   * pins when the run starts (after any queue wait) and the action starts running meanwhile; its
   * host calls wait here for the view.
   */
  view: PinnedChainView | Promise<PinnedChainView>;
  keystore: Keystore;
  chainId: bigint;
  /** The request's verified authSig: its address and SIWE message. */
  caller?: CallerIdentity;
  /** The request's verified auth methods (directly or through a session). */
  authMethods?: readonly AuthMethodGrant[];
  /** Replaces signing (the proof verifier records requests instead of signing). */
  signer?: DigestSigner;
  /** Claims a key for a derived key id (Lit.Actions.claimKey); absent: CLAIMS_UNAVAILABLE. */
  claimKey?: (derivedKeyId: string) => Promise<KeyClaim>;
  /** Where fetch, RPC and stored actions come from (live, or a bundle's recordings). */
  world: World;
  chains: Chains;
  fetchLimits: FetchLimits;
}

interface HostParts {
  view: PinnedChainView;
  network: HostNetwork;
  encryption: ConditionalEncryption;
}

/** Distinct keyIds one execution may claim (each may cost the oracle a transaction). */
export const MAX_CLAIMS_PER_RUN = 16;

export class ExecutionHost implements ActionHost {
  /** The pinned view and what reads through it, built once the pin has resolved. */
  private parts: Promise<HostParts> | undefined;
  /** The run's claims by keyId, in Lit's result shape (ExecuteSuccess.claims). */
  readonly claims: Record<string, LitClaim> = {};
  #claimCount = 0;

  constructor(private readonly options: ExecutionHostOptions) {}

  private resolved(): Promise<HostParts> {
    this.parts ??= this.pinnedView().then((view) => {
      const { options } = this;
      const network = new HostNetwork(options.world, options.chains, view, options.fetchLimits);
      const encryption = new ConditionalEncryption(
        options.keystore,
        network.conditionReads(),
        conditionCallerOf(options.caller, options.authMethods),
        options.chainId,
      );
      return { view, network, encryption };
    });
    return this.parts;
  }

  async call(request: HostRequest, context: HostCallContext): Promise<HostValue> {
    try {
      return await this.answer(request, context);
    } catch (error) {
      if (error instanceof ReplayMismatchError) throw new FatalHostError(error.code, error.message);
      throw error;
    }
  }

  private async answer(request: HostRequest, context: HostCallContext): Promise<HostValue> {
    const cid = context.ipfsId;
    const { view, network, encryption } = await this.resolved();
    switch (request.method) {
      case "signEcdsa":
        return {
          ...(await this.sign(view, cid, request.publicKey, request.toSign, SCOPE_SIGN_ANYTHING)),
        };
      case "signAndCombineEcdsa":
        return combinedDatil(
          await this.sign(view, cid, request.publicKey, request.toSign, SCOPE_SIGN_ANYTHING),
        );
      case "ethPersonalSignMessageEcdsa":
        return {
          ...(await this.sign(
            view,
            cid,
            request.publicKey,
            ethPersonalMessageDigest(ethers.getBytes(request.message)),
            SCOPE_PERSONAL_SIGN,
          )),
        };
      case "sign":
      case "signAndCombine": {
        if (request.signingScheme !== "EcdsaK256Sha256") {
          throw new InvalidArgumentError(
            `${request.method}: this oracle's PKPs are secp256k1 keys, so signingScheme must be EcdsaK256Sha256, not ${request.signingScheme}`,
          );
        }
        const signature = await this.sign(
          view,
          cid,
          request.publicKey,
          request.toSign,
          SCOPE_SIGN_ANYTHING,
        );
        return request.method === "sign" ? { ...signature } : combinedNaga(signature);
      }
      case "signAsAction": {
        const signed = this.secret(() =>
          actionKeys.signAsAction(
            this.options.keystore,
            request.signingScheme,
            cid,
            ethers.getBytes(request.toSign),
          ),
        );
        return { signOutput: signed.signOutput, signature: signed.signature };
      }
      case "getActionPublicKey":
        return this.secret(() =>
          actionKeys.actionPublicKey(
            this.options.keystore,
            request.signingScheme,
            request.actionIpfsCid,
          ),
        );
      case "verifyActionSignature":
        return this.secret(() =>
          actionKeys.verifyActionSignature(
            this.options.keystore,
            request.signingScheme,
            request.actionIpfsCid,
            ethers.getBytes(request.toSign),
            request.signOutput,
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
      case "getRpcUrl":
        return network.getRpcUrl(request.chain);
      case "getLatestNonce":
        return network.getLatestNonce(request.address, request.chain);
      case "callContract":
        return network.callContract(request.chain, request.txn);
      case "fetch":
        return network.fetch(request);
      case "call": {
        const code = await this.options.world.loadAction(request.ipfsId);
        if (code === undefined) {
          throw new InvalidArgumentError(
            `call: no action ${request.ipfsId} is stored with this oracle (store it first: POST /actions, or oracle.storeAction)`,
          );
        }
        return { code };
      }
      case "checkConditions":
        return encryption.check(ACTION_CONDITIONS, request.conditions, {
          authSig: request.authSig,
          currentActionIpfsId: cid,
        });
      case "encrypt":
        return {
          ...this.secret(() =>
            encryption.encrypt(
              ACTION_CONDITIONS,
              request.accessControlConditions,
              ethers.getBytes(request.toEncrypt),
            ),
          ),
        };
      case "decryptAndCombine":
      case "decryptToSingleNode": {
        const plaintext = await encryption.decrypt(
          ACTION_CONDITIONS,
          request.accessControlConditions,
          request.ciphertext,
          request.dataToEncryptHash,
          { authSig: request.authSig, currentActionIpfsId: cid },
        );
        try {
          return new TextDecoder("utf-8", { fatal: true }).decode(plaintext);
        } catch {
          throw new InvalidArgumentError(
            `${request.method}: Failed to convert decrypted bytes to string.`,
          );
        }
      }
      case "claimKey":
        await this.claim(cid, request.keyId);
        return "success";
    }
  }

  /** Runs something that needs the keystore's root secret (the verifier's keystore has none). */
  private secret<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof InvalidArgumentError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (/holds no secrets/.test(message)) throw new FatalHostError("NOT_REPRODUCIBLE", message);
      throw error;
    }
  }

  /**
   * Lit's claimKey: derivedKeyId = keccak256("<running CID>_<keyId>") (a child action's own CID); the key is derived,
   * routed and signed for before the action goes on, and lands in the result's `claims`. A
   * failed claim ends the execution with its code, as a refused signature does.
   */
  private async claim(ipfsId: string, keyId: string): Promise<void> {
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
    cid: string,
    publicKey: string,
    digest: string,
    scope: bigint,
  ): Promise<LitSignature> {
    const { keystore, caller, authMethods, signer } = this.options;
    const tokenId = tokenIdFromPublicKey(publicKey);
    try {
      await authorizeHeldKey(view, keystore, {
        publicKey,
        tokenId,
        actionCidBytes: cidToBytes(cid),
        authSigAddress: caller?.address,
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

/**
 * datil's signAndCombineEcdsa answer: JSON `{ r, s, v }` with `r` the 33-byte compressed R point
 * (`02`/`03` + x, 66 hex), `s` 64 hex, `v` the recovery id 0|1 (all without 0x). Lit's docs strip
 * the prefix with `r.substring(2)` before `ethers.utils.joinSignature({ r, s, v })`.
 */
function combinedDatil(signature: LitSignature): string {
  return JSON.stringify({
    r: `${signature.recid === 1 ? "03" : "02"}${signature.r}`,
    s: signature.s,
    v: signature.recid,
  });
}

/** naga's signAndCombine answer for ECDSA: `{ r, s, v }` with the 32-byte scalar r. */
function combinedNaga(signature: LitSignature): string {
  return JSON.stringify({ r: signature.r, s: signature.s, v: signature.recid });
}

/** On-chain action ids become CIDs where they are CIDv0 multihashes, else stay hex. */
function actionIdOf(id: string): string {
  try {
    return cidFromBytes(id);
  } catch {
    return id;
  }
}
