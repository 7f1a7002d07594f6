/**
 * Lit's protocol numbers, as the contracts and the oracle use them: key types, auth method types
 * and permission scopes. One declaration each, here; every module (oracle, verifier, tasks,
 * scripts, tests) imports them from this file. Values follow docs/COMPATIBILITY.md and Lit's own
 * numbering (SDK `AUTH_METHOD_TYPE`, `AUTH_METHOD_SCOPE`); bigints, as ethers passes uint256s.
 * The module imports nothing, so the explorer's browser bundle (explorer/src/) imports it too;
 * test/protocol.test.ts keeps both true. Lit Actions (actions/) cannot import and keep their own.
 */

// ------------------------------------------------------------------ key types (PubkeyRouter)

/** BLS12-381 keys (Lit's network keys; never minted as PKPs here). */
export const KEY_TYPE_BLS = 1n;
/** ECDSA over secp256k1: the key type of every PKP. */
export const KEY_TYPE_ECDSA = 2n;

// ------------------------------------------------------------------ auth method types (PKPPermissions)

/** An Ethereum address (Lit's "EthWallet"); its on-chain id is the 20-byte address. */
export const AUTH_METHOD_ADDRESS = 1n;
/** A Lit Action; its on-chain id is the 34-byte multihash of its CIDv0. */
export const AUTH_METHOD_ACTION = 2n;
/** A WebAuthn credential; its COSE public key is stored as the method's `userPubkey`. */
export const AUTH_METHOD_WEBAUTHN = 3n;
/** A Google ID token (JWT); id = keccak256("<sub>:<aud>"). */
export const AUTH_METHOD_GOOGLE_JWT = 6n;

// ------------------------------------------------------------------ scopes (PKPPermissions)

/** May sign anything. */
export const SCOPE_SIGN_ANYTHING = 1n;
/** May sign EIP-191 personal messages only (also satisfied by SCOPE_SIGN_ANYTHING). */
export const SCOPE_PERSONAL_SIGN = 2n;
