import * as path from "node:path";
import hre, { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import PKPModule from "../../ignition/modules/PKP";
import {
  PKPHelper,
  PKPHelper__factory,
  PKPNFT,
  PKPNFTMetadata,
  PKPNFTMetadata__factory,
  PKPNFT__factory,
  PKPPermissions,
  PKPPermissions__factory,
  PubkeyRouter,
  PubkeyRouter__factory,
} from "../../typechain-types";
import type { ContractArtifacts } from "../../src/contractArtifacts";
import type { OracleContracts } from "../../src/oracle/chainView";
import type { Keystore, StoredKey } from "../../src/oracle/keystore";
import { mintGrantAndBurnNext } from "../../src/pkpMint";
import { KEY_TYPE_ECDSA } from "../../src/protocol";
import { deployIgnitionModule } from "../../tasks/ignitionDeploy";
import { contractArtifacts } from "../../tasks/project";
import { TestKey, testKeys } from "./keys";

// The protocol's numbers, for the many suites that import them with the stack.
export {
  AUTH_METHOD_ACTION,
  AUTH_METHOD_ADDRESS,
  AUTH_METHOD_GOOGLE_JWT,
  AUTH_METHOD_WEBAUTHN,
  KEY_TYPE_ECDSA,
  SCOPE_PERSONAL_SIGN,
  SCOPE_SIGN_ANYTHING,
} from "../../src/protocol";

export interface Stack {
  router: PubkeyRouter;
  pkpNft: PKPNFT;
  permissions: PKPPermissions;
  helper: PKPHelper;
  metadata: PKPNFTMetadata;
  deployer: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  carol: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
  /** Keys registered into the ECDSA pool by the fixture, oldest first. */
  poolKeys: TestKey[];
}

/**
 * The compiled contracts, read once per test process: Ignition reads the build info (8 MB) of
 * every contract it deploys, and most test files deploy a stack (hre.artifacts reads it anew
 * each time; the tasks' reader, tasks/project.ts, parses each build info once).
 */
let artifacts: ContractArtifacts | undefined;

/**
 * Deploys the stack through the Ignition module, as `pkp:deploy` does (tasks/ignitionDeploy.ts,
 * with the module's default parameters), with typed handles.
 */
export async function deployStack(): Promise<Omit<Stack, "poolKeys">> {
  const [deployer, alice, bob, carol, stranger] = await ethers.getSigners();
  artifacts ??= contractArtifacts(hre);
  const deployed = await deployIgnitionModule(hre, PKPModule, {
    artifacts,
    parameters: {},
    journalRoot: path.join(hre.config.paths.root, "ignition"),
  });
  return {
    router: PubkeyRouter__factory.connect(deployed.pubkeyRouter, deployer),
    pkpNft: PKPNFT__factory.connect(deployed.pkpNft, deployer),
    permissions: PKPPermissions__factory.connect(deployed.pkpPermissions, deployer),
    helper: PKPHelper__factory.connect(deployed.pkpHelper, deployer),
    metadata: PKPNFTMetadata__factory.connect(deployed.pkpNftMetadata, deployer),
    deployer,
    alice,
    bob,
    carol,
    stranger,
  };
}

/** Registers keys into the router's pool as the deployer (the default key provider). */
export async function registerKeys(
  router: PubkeyRouter,
  keys: Pick<TestKey, "tokenId" | "publicKey">[],
  keyType: bigint = KEY_TYPE_ECDSA,
): Promise<void> {
  await (
    await router.setRoutingDataBatch(
      keys.map((k) => k.tokenId),
      keys.map((k) => k.publicKey),
      keyType,
    )
  ).wait();
}

/** Generates `count` keys in the oracle's `keystore` and registers them in the ECDSA pool. */
export async function registerKeystoreKeys(
  router: PubkeyRouter,
  keystore: Keystore,
  count: number,
): Promise<StoredKey[]> {
  const keys = await Promise.all(Array.from({ length: count }, () => keystore.generate()));
  await registerKeys(router, keys);
  return keys;
}

/** The stack's handles under the names the signing oracle reads them by. */
export function oracleContracts(
  stack: Pick<Stack, "pkpNft" | "permissions" | "router">,
): OracleContracts {
  return { pkpNft: stack.pkpNft, pkpPermissions: stack.permissions, pubkeyRouter: stack.router };
}

/** The stack with 8 ECDSA keys in the pool: the fixture most suites start from. */
export async function stackWithPoolFixture(): Promise<Stack> {
  const stack = await deployStack();
  const poolKeys = testKeys(8);
  await registerKeys(stack.router, poolKeys);
  return { ...stack, poolKeys };
}

/** Mints the next PKP of `keyType` as `minter` (paying the mint cost); returns its token id. */
export async function mintNextAs(
  pkpNft: PKPNFT,
  minter: HardhatEthersSigner,
  keyType: bigint = KEY_TYPE_ECDSA,
): Promise<bigint> {
  const value = await pkpNft.mintCost();
  const nft = pkpNft.connect(minter);
  const tokenId = await nft.mintNext.staticCall(keyType, { value });
  await (await nft.mintNext(keyType, { value })).wait();
  return tokenId;
}

/** Mints the next ECDSA PKP to `to` (paying the mint cost) and returns its token id. */
export async function mintTo(
  stack: Pick<Stack, "pkpNft">,
  to: HardhatEthersSigner,
): Promise<bigint> {
  return mintNextAs(stack.pkpNft, to);
}

/** Runs mintGrantAndBurnNext for `cid` as `caller` and returns the token id and receipt. */
export async function mintGrantAndBurn(stack: Stack, caller: HardhatEthersSigner, cid: string) {
  const { tokenId, receipt } = await mintGrantAndBurnNext(stack.pkpNft.connect(caller), cid);
  return { tokenId, receipt };
}
