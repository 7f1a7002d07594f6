/**
 * Minting a PKP for a login (Lit's contracts-sdk `mintWithAuth`, LIT-AUTH.md A.3): one
 * `PKPHelper.mintNextAndAddAuthMethods` with the auth method under Lit's id and the scopes, the
 * PKP's own address permitted (with no scopes, as Lit does), and — self-owned — the NFT sent to
 * the PKP's own address, so no wallet key exists anywhere: only the login controls the PKP.
 * Lookups go by `getTokenIdsForAuthMethod`, as Lit's relayer does.
 */
import { decodeJwt } from "jose";
import { getBytes, type ContractTransactionReceipt } from "ethers";
import type { PKPHelper, PKPNFT, PKPPermissions } from "../../typechain-types";
import { messageOf } from "../errorText";
import { AUTH_METHOD_GOOGLE_JWT, KEY_TYPE_ECDSA, SCOPE_SIGN_ANYTHING } from "../protocol";
import { authMethodIdOf } from "../oracle/auth/authMethodId";
import { WalletError } from "./oracleEndpoint";

/** An ID token's identity, read WITHOUT verifying it (the oracle verifies at every use). */
export interface IdTokenIdentity {
  iss?: string;
  sub: string;
  aud: string;
  email?: string;
  /** Lit's auth method id: keccak256("<sub>:<aud>"). */
  authMethodId: string;
}

/**
 * The identity in an ID token (`sub`, `aud`) and its auth method id. Not a verification: minting
 * for a token only records an id; the oracle checks the issuer's signature whenever it is used.
 */
export function identityOfIdToken(idToken: string): IdTokenIdentity {
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(idToken);
  } catch (error) {
    throw new WalletError("INVALID_ARGUMENT", `the ID token is not a JWT: ${messageOf(error)}`);
  }
  const aud = Array.isArray(claims.aud) && claims.aud.length === 1 ? claims.aud[0] : claims.aud;
  if (typeof claims.sub !== "string" || claims.sub === "" || typeof aud !== "string") {
    throw new WalletError("INVALID_ARGUMENT", "the ID token needs a sub and exactly one aud");
  }
  return {
    ...(typeof claims.iss === "string" ? { iss: claims.iss } : {}),
    sub: claims.sub,
    aud,
    ...(typeof claims.email === "string" ? { email: claims.email } : {}),
    authMethodId: authMethodIdOf(claims.sub, aud),
  };
}

export interface MintForAuthOptions {
  /** Connected to the account that pays (mint cost + gas). */
  helper: PKPHelper;
  pkpNft: PKPNFT;
  authMethodType: bigint;
  /** The auth method's on-chain id (Lit's keccak256("<userId>:<appId>") for logins). */
  authMethodId: string;
  /** WebAuthn's COSE key; "0x" for everything else. */
  userPubkey?: string;
  /** Non-empty, as Lit requires; default [1] (SignAnything). */
  scopes?: bigint[];
  /** Send the PKP to its own address (Lit's default): no wallet owns it. */
  selfOwned: boolean;
}

export interface MintedPkp {
  tokenId: bigint;
  publicKey: string;
  ethAddress: string;
  owner: string;
  txHash: string;
  gasUsed: bigint;
}

export async function mintForAuthMethod(options: MintForAuthOptions): Promise<MintedPkp> {
  const scopes = options.scopes ?? [SCOPE_SIGN_ANYTHING];
  if (scopes.length === 0) {
    throw new WalletError(
      "INVALID_ARGUMENT",
      'scopes must not be empty (Lit: "Permission scopes are required!")',
    );
  }
  if (getBytes(options.authMethodId).length === 0) {
    throw new WalletError("INVALID_ARGUMENT", "the auth method id must not be empty");
  }
  const value = await options.pkpNft.mintCost();
  const tx = await options.helper.mintNextAndAddAuthMethods(
    KEY_TYPE_ECDSA,
    [options.authMethodType],
    [options.authMethodId],
    [options.userPubkey ?? "0x"],
    [scopes],
    true,
    options.selfOwned,
    { value },
  );
  const receipt = await tx.wait();
  if (receipt === null) throw new WalletError("TRANSACTION_FAILED", "the mint produced no receipt");
  const tokenId = mintedTokenId(options.pkpNft, receipt);
  const [publicKey, ethAddress, owner] = await Promise.all([
    options.pkpNft.getPubkey(tokenId),
    options.pkpNft.getEthAddress(tokenId),
    options.pkpNft.ownerOf(tokenId),
  ]);
  return { tokenId, publicKey, ethAddress, owner, txHash: receipt.hash, gasUsed: receipt.gasUsed };
}

/** Mints a self-owned PKP for an ID token's identity (type 6) with `scopes` (default [1]). */
export async function mintForIdToken(
  options: Omit<MintForAuthOptions, "authMethodType" | "authMethodId"> & { idToken: string },
): Promise<MintedPkp & { identity: IdTokenIdentity }> {
  const identity = identityOfIdToken(options.idToken);
  const minted = await mintForAuthMethod({
    ...options,
    authMethodType: AUTH_METHOD_GOOGLE_JWT,
    authMethodId: identity.authMethodId,
  });
  return { ...minted, identity };
}

/** The PKPs an auth method is permitted on (Lit's relayer lookup), with their keys. */
export async function pkpsForAuthMethod(
  permissions: PKPPermissions,
  authMethodType: bigint,
  authMethodId: string,
): Promise<Array<{ tokenId: bigint; publicKey: string; ethAddress: string }>> {
  const tokenIds = await permissions.getTokenIdsForAuthMethod(authMethodType, authMethodId);
  return Promise.all(
    tokenIds.map(async (tokenId) => ({
      tokenId,
      publicKey: await permissions.getPubkey(tokenId),
      ethAddress: await permissions.getEthAddress(tokenId),
    })),
  );
}

function mintedTokenId(pkpNft: PKPNFT, receipt: ContractTransactionReceipt): bigint {
  const nft = receipt.logs.find((log) => {
    try {
      return pkpNft.interface.parseLog(log)?.name === "PKPMinted";
    } catch {
      return false;
    }
  });
  if (nft === undefined)
    throw new WalletError("TRANSACTION_FAILED", "the mint emitted no PKPMinted");
  return BigInt(nft.topics[1]);
}
