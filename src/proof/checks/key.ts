/**
 * key: the bundle's PKP is one key, consistently named: keccak256(publicKey) is the tokenId, the
 * router (the chain's record of every key) returns that public key for the tokenId, and the
 * ethAddress is the address of that public key.
 */
import { computeAddress, getAddress, keccak256 } from "ethers";
import { CheckRecorder, type CheckContext, type CheckResult } from "./types";

export async function checkKey(ctx: CheckContext): Promise<CheckResult> {
  const check = new CheckRecorder("key");
  const { pkp } = ctx.bundle;
  const at = { blockTag: ctx.latestBlock };
  const hashed = BigInt(keccak256(pkp.publicKey));
  check.expect(
    hashed === ctx.tokenId,
    hashed === ctx.tokenId
      ? `keccak256(publicKey) = tokenId ${pkp.tokenId}`
      : `keccak256(publicKey) = ${hashed}, not the tokenId ${pkp.tokenId}`,
  );
  const routed = (await ctx.pubkeyRouter.getPubkey(ctx.tokenId, at)).toLowerCase();
  check.expect(
    routed === pkp.publicKey,
    routed === pkp.publicKey
      ? `PubkeyRouter.getPubkey(tokenId) = the bundle's publicKey ${pkp.publicKey}`
      : routed === "0x"
        ? "PubkeyRouter.getPubkey(tokenId) is empty: no such key was ever routed on this chain"
        : `PubkeyRouter.getPubkey(tokenId) = ${routed}, not the bundle's publicKey ${pkp.publicKey}`,
  );
  const derived = computeAddress(pkp.publicKey);
  check.expect(
    derived === pkp.ethAddress,
    derived === pkp.ethAddress
      ? `ethAddress ${pkp.ethAddress} = the address of publicKey`
      : `the address of publicKey is ${derived}, not the bundle's ethAddress ${pkp.ethAddress}`,
  );
  if (routed !== "0x") {
    const routerAddress = getAddress(await ctx.pubkeyRouter.getEthAddress(ctx.tokenId, at));
    check.expect(
      routerAddress === pkp.ethAddress,
      `PubkeyRouter.getEthAddress(tokenId) = ${routerAddress}`,
    );
  }
  return check.result(
    `tokenId = keccak256(publicKey), routed on chain, ethAddress ${pkp.ethAddress}`,
  );
}
