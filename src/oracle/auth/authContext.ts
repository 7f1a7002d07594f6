/**
 * Who is asking, as an action sees it: Lit's `AuthContext` (LIT-AUTH.md A.5), exposed inside the
 * sandbox as the frozen `Lit.Auth` / `LitAuth`. The oracle builds one per request from what it
 * verified (the authSig, auth methods, a session's capability) and the running action's CID.
 *
 * This is the seam between the oracle's authentication (auth methods, sessions) and the runtime
 * (what the sandbox shows): both depend on this module, neither on the other.
 */

/**
 * One verified auth method, as Lit serializes it (camelCase; expiry fields are not shown), plus
 * two fields of ours: the on-chain id and, for ID tokens, their non-secret claims.
 */
export interface AuthMethodContext {
  /** The id's first half: a JWT's `sub`, a wallet's address, … (LIT-AUTH.md A.1). */
  userId: string;
  /** The id's second half: a JWT's `aud`, `"lit"` for wallets, … */
  appId: string;
  authMethodType: number;
  /** True when it came through a session (signSessionKey), as on Lit. */
  usedForSignSessionKeyRequest: boolean;
  /** Ours: the on-chain id, keccak256("<userId>:<appId>") (0x-hex). */
  authMethodId?: string;
  /** Ours, ID tokens only: `iss`, `sub`, `aud`, `email` (if any) and `exp` (seconds). */
  claims?: { iss: string; sub: string; aud: string; email?: string; exp: number };
}

export interface AuthContext {
  /** The running action's CID only (datil keeps this "broken" field for compatibility). */
  actionIpfsIds: string[];
  /** Parent → child CIDs of nested `Lit.Actions.call`s; the last one is running. */
  actionIpfsIdStack: string[];
  /** The verified wallet or PKP address (authSig or session), or null. */
  authSigAddress: string | null;
  authMethodContexts: AuthMethodContext[];
  /** The SIWE resource URIs of the request's credential. */
  resources: string[];
  /** The response of a custom-auth action, when one ran. */
  customAuthResource: string | null;
}

/** The context of a request that carries at most an authSig (no auth methods, no session). */
export function basicAuthContext(ipfsId: string, authSigAddress: string | undefined): AuthContext {
  return {
    actionIpfsIds: [ipfsId],
    actionIpfsIdStack: [ipfsId],
    authSigAddress: authSigAddress ?? null,
    authMethodContexts: [],
    resources: [],
    customAuthResource: null,
  };
}
