import { ethers } from "ethers";
import { tokenIdFromPublicKey } from "../../src/oracle/signing";

/** A secp256k1 key pair as the router sees it: the token id is keccak256 of the 65-byte key. */
export interface TestKey {
  tokenId: bigint;
  publicKey: string;
  ethAddress: string;
  privateKey: string;
}

/** Deterministic test keys: the same label and index always give the same key. */
export function testKey(index: number, label = "pkp"): TestKey {
  const privateKey = ethers.keccak256(ethers.toUtf8Bytes(`${label}-${index}`));
  const signingKey = new ethers.SigningKey(privateKey);
  const publicKey = signingKey.publicKey;
  return {
    tokenId: tokenIdFromPublicKey(publicKey),
    publicKey,
    ethAddress: ethers.computeAddress(publicKey),
    privateKey,
  };
}

export function testKeys(count: number, label = "pkp", first = 0): TestKey[] {
  return Array.from({ length: count }, (_, i) => testKey(first + i, label));
}

/** A CIDv0 multihash as PKPPermissions stores it: 0x1220 followed by a sha2-256 digest. */
export function fakeCid(label: string): string {
  return ethers.concat(["0x1220", ethers.sha256(ethers.toUtf8Bytes(label))]);
}
