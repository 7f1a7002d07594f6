/**
 * Lit's on-chain id of an auth method (LIT-AUTH.md A.1): the node turns a verified token into a
 * `(userId, appId)` pair and stores `keccak256(utf8("<userId>:<appId>"))` as the 32-byte `id` of
 * `AuthMethod(type, id, userPubkey)`. The SDK computes the same hash; so do we, for the oracle's
 * checks, the mint task and the claim route (a claimed key's derivedKeyId is this id).
 *
 * | type | name      | userId                       | appId   |
 * | ---: | --------- | ---------------------------- | ------- |
 * |    1 | EthWallet | the authSig's address as given | "lit" |
 * |    6 | GoogleJwt | the ID token's `sub`         | its `aud` |
 */
import { keccak256, toUtf8Bytes } from "ethers";

/** The appId Lit gives wallet (EthWallet) auth methods. */
export const ETH_WALLET_APP_ID = "lit";

/** `keccak256(utf8("<userId>:<appId>"))` as lowercase 0x-hex (32 bytes). */
export function authMethodIdOf(userId: string, appId: string): string {
  return keccak256(toUtf8Bytes(`${userId}:${appId}`));
}

/**
 * The ids under which a wallet address may be permitted as a type-1 auth method, as Lit's node
 * looks them up: the 20 packed address bytes (`addPermittedAddress`), and Lit's auth method id
 * `keccak("<address>:lit")` with the address in lower case and in EIP-55 case (LIT-PKP.md §6).
 */
export function walletAuthMethodIds(checksummedAddress: string): string[] {
  return [
    checksummedAddress.toLowerCase(),
    authMethodIdOf(checksummedAddress.toLowerCase(), ETH_WALLET_APP_ID),
    authMethodIdOf(checksummedAddress, ETH_WALLET_APP_ID),
  ];
}
