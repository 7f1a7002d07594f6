/**
 * pkp:mint-for-auth's implementation (tasks/wallet.ts registers it and checks its options). It
 * reads the deployment, so it imports TypeChain factories: the task compiles before loading it.
 */
import * as path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { DEFAULT_DEPLOYMENTS_DIR, loadDeployment } from "../src/deployments";
import { messageOf, oneLine } from "../src/errorText";
import { AUTH_METHOD_GOOGLE_JWT, KEY_TYPE_ECDSA } from "../src/protocol";
import { identityOfIdToken, mintForAuthMethod, pkpsForAuthMethod } from "../src/wallet/mintForAuth";
import type { MintForAuthTaskArgs } from "./args";
import { WalletTaskError } from "./taskErrors";

export async function mintForAuth(
  args: MintForAuthTaskArgs,
  scopes: bigint[],
  hre: HardhatRuntimeEnvironment,
): Promise<void> {
  const network = hre.network.name;
  let identity: ReturnType<typeof identityOfIdToken>;
  try {
    identity = identityOfIdToken(args.idToken ?? "");
  } catch (error) {
    throw new WalletTaskError("INVALID_OPTION", `--id-token: ${messageOf(error)}`);
  }
  const signers = await hre.ethers.getSigners().catch((error: unknown) => {
    throw new WalletTaskError(
      "NETWORK_UNREACHABLE",
      `cannot reach network ${network}: ${oneLine(messageOf(error))}`,
    );
  });
  if (signers.length === 0) {
    throw new WalletTaskError(
      "NO_ACCOUNT",
      `network ${network} has no account to pay for the mint`,
    );
  }
  const { contracts } = await loadDeployment({
    network,
    runner: signers[0],
    dir: path.resolve(args.deploymentsDir ?? DEFAULT_DEPLOYMENTS_DIR),
  });
  if ((await contracts.pubkeyRouter.unmintedKeyCount(KEY_TYPE_ECDSA)) === 0n) {
    throw new WalletTaskError(
      "KEY_POOL_EMPTY",
      `the pool of unminted keys on network ${network} is empty: is the oracle running? It provisions keys`,
    );
  }
  console.log(
    `▸ Minting a PKP for ${identity.iss ?? "?"} user ${identity.sub}` +
      `${identity.email !== undefined ? ` (${identity.email})` : ""}, client ${identity.aud}`,
  );
  console.log(
    `  auth method: type 6, id keccak256("${identity.sub}:${identity.aud}") = ${identity.authMethodId}`,
  );
  console.log(
    `  scopes ${scopes.join(", ")}; ${args.selfOwned ? "self-owned (sent to its own address)" : `owned by ${signers[0].address}`}`,
  );
  console.log("  (the token is not verified here: the oracle verifies it at every signature)");
  const minted = await mintForAuthMethod({
    helper: contracts.pkpHelper,
    pkpNft: contracts.pkpNft,
    authMethodType: AUTH_METHOD_GOOGLE_JWT,
    authMethodId: identity.authMethodId,
    scopes,
    selfOwned: args.selfOwned,
  }).catch((error: unknown) => {
    throw new WalletTaskError(
      "TRANSACTION_FAILED",
      `the mint failed: ${oneLine(messageOf(error))}`,
    );
  });
  console.log(`  tx         ${minted.txHash} (gas ${minted.gasUsed})`);
  console.log(`  tokenId    ${minted.tokenId}`);
  console.log(`  publicKey  ${minted.publicKey}`);
  console.log(`  ethAddress ${minted.ethAddress}`);
  console.log(`  owner      ${minted.owner}`);
  const all = await pkpsForAuthMethod(
    contracts.pkpPermissions,
    AUTH_METHOD_GOOGLE_JWT,
    identity.authMethodId,
  );
  console.log(`▸ PKPs of this login (getTokenIdsForAuthMethod): ${all.length}`);
  for (const pkp of all) console.log(`  ${pkp.tokenId} ${pkp.ethAddress}`);
}
