/**
 * The wire format of Lit's session signatures (LIT-AUTH.md A.4) and of our capability, shared by
 * the oracle (auth/sessionIssuer.ts, auth/sessionVerifier.ts) and clients (src/wallet/session.ts).
 *
 * - A **session key** is an ed25519 key pair the client makes; its URI is
 *   `lit:session:<public key, 64 hex>`.
 * - `/pkp/session` answers a **capability**: an authSig for the PKP's address whose SIWE `uri` is
 *   the session key's URI and whose ReCap carries `lit-resolvedauthcontext://*` → `Auth/Auth` →
 *   `[{ auth_context, pkp_public_key, oracle_tag }]`. Lit signs it with the network's BLS key; this
 *   oracle signs it with the **PKP's own key, EIP-191** (`derivedVia: "lit.pkp.eip191"`, so it is
 *   never mistaken for a wallet's authSig), and adds `oracle_tag`, an HMAC under a secret of its
 *   keystore over what the capability grants: only this oracle can issue capabilities it
 *   accepts, even to someone who may otherwise make the PKP sign any digest.
 * - A **sessionSig** is `{ sig, derivedVia: "litSessionSignViaNacl", signedMessage, address,
 *   algo: "ed25519" }`: the session key's ed25519 signature over the JSON `signedMessage` =
 *   `{ sessionKey, resourceAbilityRequests, capabilities: [<capability>], issuedAt, expiration,
 *   nodeAddress }`; `address` is the session public key (hex, no 0x).
 */
import { createHmac } from "node:crypto";
import type { AuthSig } from "../authSig";
import type { AuthContext } from "./authContext";
import { canonicalJson } from "./recap";

export const SESSION_KEY_URI_PREFIX = "lit:session:";
export const SESSION_SIG_DERIVED_VIA = "litSessionSignViaNacl";
export const SESSION_SIG_ALGO = "ed25519";
/** Our capability's derivation: EIP-191 by the PKP's key (Lit's is "lit.bls"). */
export const CAPABILITY_DERIVED_VIA = "lit.pkp.eip191";

/** Lit's resource prefixes and abilities that this oracle checks. */
export const PKP_RESOURCE_PREFIX = "lit-pkp";
export const ACTION_RESOURCE_PREFIX = "lit-litaction";
export const PKP_SIGNING_ABILITY = "pkp-signing";
export const ACTION_EXECUTION_ABILITY = "lit-action-execution";
export const ACCESS_CONTROL_RESOURCE_PREFIX = "lit-accesscontrolcondition";
export const DECRYPTION_ABILITY = "access-control-condition-decryption";

/** One requested ability: Lit's SDK sends `{ resource: { resource, resourcePrefix }, ability }`. */
export interface ResourceAbilityRequest {
  resource: { resource: string; resourcePrefix: string } | string;
  ability: string;
}

/** What the session key signs (Lit's JSON, in Lit's field order). */
export interface SessionSigPayload {
  sessionKey: string;
  resourceAbilityRequests: ResourceAbilityRequest[];
  capabilities: AuthSig[];
  issuedAt: string;
  expiration: string;
  nodeAddress: string;
}

export interface SessionSig {
  sig: string;
  derivedVia: string;
  signedMessage: string;
  address: string;
  algo: string;
}

/** `POST /pkp/session` (Lit's signSessionKey). */
export interface SessionRequest {
  /** The session key's URI `lit:session:<hex>` (or just its 64 hex). */
  sessionKey: string;
  authMethods: Array<{ authMethodType: number; accessToken: string }>;
  /** The PKP's public key (0x04…, 65 bytes). */
  pkpPublicKey: string;
  /** SIWE for the PKP's address, uri = the session key's URI, nonce = a recent block hash. */
  siweMessage: string;
}

export interface SessionSuccess {
  success: true;
  /** The capability: put it in the sessionSigs' `capabilities`. */
  authSig: AuthSig;
  /** What the sessionSigs' `nodeAddress` must be for this oracle. */
  nodeAddress: string;
  /** When the capability expires (ISO). */
  expiration: string;
}

/** The ReCap entry of our capability. */
export interface CapabilityEntry {
  auth_context: AuthContext;
  pkp_public_key: string;
  oracle_tag: string;
}

/** The session key's URI of a 32-byte ed25519 public key in hex. */
export function sessionKeyUri(publicKeyHex: string): string {
  return `${SESSION_KEY_URI_PREFIX}${publicKeyHex.toLowerCase()}`;
}

/** What the oracle's tag covers: everything the capability grants, and to whom. */
export interface TaggedGrant {
  chainId: string;
  pkpPublicKey: string;
  sessionKeyUri: string;
  issuedAt: string;
  expiration: string;
  authContext: AuthContext;
}

export function capabilityTag(secret: Uint8Array, grant: TaggedGrant): string {
  return `0x${createHmac("sha256", secret)
    .update(canonicalJson({ v: 1, ...grant }))
    .digest("hex")}`;
}
