/**
 * Whether a signature with a PKP may be made, read from the chain at the execution's pinned
 * block. The rules follow Lit's node (`check_pkp_auth`):
 * - the running action's CID is a permitted action of the PKP with the required scope; or
 * - the request carries a verified authSig whose address is the PKP's current owner (root
 *   access, no scope needed) or a permitted address with the required scope.
 * A burned PKP has no owner, so only its actions can use it. Scope 2 (PersonalSign) is also
 * satisfied by scope 1 (SignAnything).
 */
import {
  AUTH_METHOD_ACTION,
  AUTH_METHOD_ADDRESS,
  SCOPE_PERSONAL_SIGN,
  SCOPE_SIGN_ANYTHING,
} from "../protocol";
import type { PinnedChainView } from "./chainView";
import { OracleError } from "./errors";
import type { Keystore } from "./keystore";

export interface SigningContext {
  tokenId: bigint;
  /** The running action's CID as 34 on-chain bytes (0x1220…), if the request runs an action. */
  actionCidBytes?: string;
  /** The address proven by the request's authSig, if any. */
  authSigAddress?: string;
  /** The scope the signing call needs. */
  scope: bigint;
}

async function hasRequiredScope(
  view: PinnedChainView,
  tokenId: bigint,
  authMethodType: bigint,
  id: string,
  scope: bigint,
): Promise<boolean> {
  if (await view.hasScope(tokenId, authMethodType, id, scope)) return true;
  return (
    scope === SCOPE_PERSONAL_SIGN && view.hasScope(tokenId, authMethodType, id, SCOPE_SIGN_ANYTHING)
  );
}

/** Resolves if the signature is permitted; rejects with NOT_PERMITTED (and why) otherwise. */
export async function authorizeSigning(
  view: PinnedChainView,
  context: SigningContext,
): Promise<void> {
  const { tokenId, actionCidBytes, authSigAddress, scope } = context;
  if (
    actionCidBytes !== undefined &&
    (await hasRequiredScope(view, tokenId, AUTH_METHOD_ACTION, actionCidBytes, scope))
  ) {
    return;
  }
  if (authSigAddress !== undefined) {
    const owner = await view.ownerOf(tokenId);
    if (owner !== null && owner.toLowerCase() === authSigAddress.toLowerCase()) return;
    if (await hasRequiredScope(view, tokenId, AUTH_METHOD_ADDRESS, authSigAddress, scope)) return;
  }
  const who = [
    actionCidBytes !== undefined ? "the running action" : undefined,
    authSigAddress !== undefined ? `authSig address ${authSigAddress}` : undefined,
  ].filter(Boolean);
  throw new OracleError(
    "NOT_PERMITTED",
    `none of ${who.length ? who.join(" or ") : "the request's credentials"} may sign with PKP ` +
      `${tokenId} with scope ${scope} at block ${view.blockNumber}`,
  );
}

/**
 * Resolves if this oracle holds the PKP's key, the chain routes it, and the signature is
 * permitted (authorizeSigning). Rejects with UNKNOWN_PKP or NOT_PERMITTED. Routing and permission
 * read the same pinned block, so they run together: one round trip, not two; an unrouted PKP is
 * UNKNOWN_PKP whatever the permission check said.
 */
export async function authorizeHeldKey(
  view: PinnedChainView,
  keystore: Keystore,
  context: SigningContext & { publicKey: string },
): Promise<void> {
  const unknown = () =>
    new OracleError(
      "UNKNOWN_PKP",
      `no PKP with public key ${context.publicKey} is held by this oracle on this chain`,
    );
  if (!keystore.has(context.tokenId)) throw unknown();
  const [routed, authorized] = await Promise.allSettled([
    view.isRouted(context.tokenId),
    authorizeSigning(view, context),
  ]);
  if (routed.status === "rejected") throw routed.reason;
  if (!routed.value) throw unknown();
  if (authorized.status === "rejected") throw authorized.reason;
}
