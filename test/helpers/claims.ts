import { ethers } from "ethers";
import { KEY_TYPE_ECDSA } from "./stack";
import { TestKey, testKey } from "./keys";

/** A claim signature as claimAndMint takes it: Lit's IPubkeyRouter.Signature (r, s, v). */
export interface ClaimSignature {
  r: string;
  s: string;
  v: number;
}

/** Lit's derived key id of an action's claim: keccak256(utf8("<cid>_<keyId>")) (LIT-AUTH B.1). */
export function derivedKeyIdOf(cid: string, keyId: string): string {
  return ethers.keccak256(ethers.toUtf8Bytes(`${cid}_${keyId}`));
}

/** What a Lit node returns for a claim: an EIP-191 signature of the 32 raw derivedKeyId bytes. */
export async function signClaim(
  validator: Pick<ethers.Signer, "signMessage">,
  derivedKeyId: string,
): Promise<ClaimSignature> {
  const signature = ethers.Signature.from(
    await validator.signMessage(ethers.getBytes(derivedKeyId)),
  );
  return { r: signature.r, s: signature.s, v: signature.v };
}

/** The key the oracle would derive for `derivedKeyId` (deterministic test keys stand in). */
export function derivedTestKey(index: number): TestKey {
  return testKey(index, "derived");
}

/** A routed derived key, ready to be claimed. */
export interface RoutedClaim {
  derivedKeyId: string;
  key: TestKey;
  keyType: bigint;
}

/** Routes `key` for `derivedKeyId` as the oracle does before answering a claim. */
export async function routeDerivedKey(
  router: {
    setDerivedRoutingData(
      id: string,
      pubkey: string,
      keyType: bigint,
    ): Promise<{ wait(): Promise<unknown> }>;
  },
  derivedKeyId: string,
  key: TestKey,
  keyType: bigint = KEY_TYPE_ECDSA,
): Promise<RoutedClaim> {
  await (await router.setDerivedRoutingData(derivedKeyId, key.publicKey, keyType)).wait();
  return { derivedKeyId, key, keyType };
}
