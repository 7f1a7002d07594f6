/**
 * Whether a signature with a PKP may be made, read from the chain at the execution's pinned
 * block. The rules follow Lit's node (`check_pkp_auth`, LIT-PKP.md §6):
 * - the running action's CID is a permitted action of the PKP with the required scope; or
 * - a verified auth method (type, id) is permitted on the PKP with the required scope; or
 * - a verified address (the request's authSig, a session's PKP, an EthWallet auth method) is the
 *   PKP's current owner (root access, no scope needed), or is permitted as a type-1 auth method
 *   with the required scope — under its 20 address bytes or Lit's id `keccak("<address>:lit")`
 *   (lower or EIP-55 case).
 * A burned PKP has no owner, so only its actions and auth methods can use it. Scope 2
 * (PersonalSign) is also satisfied by scope 1 (SignAnything).
 */
import {
  AUTH_METHOD_ACTION,
  AUTH_METHOD_ADDRESS,
  SCOPE_PERSONAL_SIGN,
  SCOPE_SIGN_ANYTHING,
} from "../protocol";
import { walletAuthMethodIds } from "./auth/authMethodId";
import type { PinnedChainView } from "./chainView";
import { OracleError } from "./errors";
import type { Keystore } from "./keystore";

/** A verified auth method as authorization needs it (auth/authMethods.ts VerifiedAuthMethod). */
export interface AuthMethodGrant {
  authMethodType: bigint;
  /** Lit's on-chain id, 0x-hex. */
  id: string;
  /** EthWallet methods: the address they prove, checked like an authSig's. */
  address?: string;
}

export interface SigningContext {
  tokenId: bigint;
  /** The running action's CID as 34 on-chain bytes (0x1220…), if the request runs an action. */
  actionCidBytes?: string;
  /** The address proven by the request's authSig (or a session's PKP), if any. */
  authSigAddress?: string;
  /** The request's verified auth methods (directly or through a session). */
  authMethods?: readonly AuthMethodGrant[];
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
  const methods = context.authMethods ?? [];
  const addresses = [
    ...(authSigAddress !== undefined ? [authSigAddress] : []),
    ...methods.flatMap((m) => (m.address !== undefined ? [m.address] : [])),
  ];
  // Every remaining check reads the same pinned block: ask them together, one round trip.
  const checks: Array<Promise<boolean>> = methods.map((m) =>
    hasRequiredScope(view, tokenId, m.authMethodType, m.id, scope),
  );
  if (addresses.length > 0) {
    const owner = view.ownerOf(tokenId);
    for (const address of new Set(addresses)) {
      checks.push(owner.then((o) => o !== null && o.toLowerCase() === address.toLowerCase()));
      for (const id of walletAuthMethodIds(address)) {
        checks.push(hasRequiredScope(view, tokenId, AUTH_METHOD_ADDRESS, id, scope));
      }
    }
  }
  if ((await Promise.all(checks)).some(Boolean)) return;
  const who = [
    actionCidBytes !== undefined ? "the running action" : undefined,
    authSigAddress !== undefined ? `authSig address ${authSigAddress}` : undefined,
    ...methods.map((m) => `auth method (type ${m.authMethodType}, id ${m.id})`),
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
