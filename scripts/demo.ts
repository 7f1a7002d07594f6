/**
 * `npm run demo`: the mint/grant/burn story on the in-process Hardhat network, with no setup
 * beyond `npm ci`.
 *
 * Today it covers the contracts: deploy the stack through the Ignition module, let an in-memory
 * keystore (the oracle's) register keys into the router's pool, mint/grant/burn a PKP for
 * actions/isPrime.js, and show what the chain now says about it. Running the action through the
 * signing oracle and verifying the proof come with the oracle and proof work.
 */
import hre, { ethers } from "hardhat";
import { readFile } from "node:fs/promises";
import path from "node:path";
import PKPModule from "../ignition/modules/PKP";
import { cidOfCode, cidToBytes } from "../src/cid";
import { MemoryKeystore } from "../src/oracle/keystore";
import {
  PKPNFT__factory,
  PKPPermissions__factory,
  PubkeyRouter__factory,
} from "../typechain-types";

const KEY_TYPE_ECDSA = 2n;
const POOL_SIZE = 3;

function step(text: string): void {
  console.log(`\n▸ ${text}`);
}

async function main(): Promise<void> {
  const [deployer, minter] = await ethers.getSigners();
  step("Deploying PubkeyRouter, PKPNFTMetadata, PKPNFT, PKPPermissions and PKPHelper");
  const deployed = await hre.ignition.deploy(PKPModule);
  const router = PubkeyRouter__factory.connect(await deployed.pubkeyRouter.getAddress(), deployer);
  const pkpNft = PKPNFT__factory.connect(await deployed.pkpNft.getAddress(), minter);
  const permissions = PKPPermissions__factory.connect(
    await deployed.pkpPermissions.getAddress(),
    minter,
  );
  console.log(`  PKPNFT         ${await pkpNft.getAddress()}`);
  console.log(`  PKPPermissions ${await permissions.getAddress()}`);
  console.log(`  PubkeyRouter   ${await router.getAddress()}`);

  step(`The oracle's keystore generates ${POOL_SIZE} keys and registers them for minting`);
  const keystore = new MemoryKeystore();
  const keys = await Promise.all(Array.from({ length: POOL_SIZE }, () => keystore.generate()));
  const registration = await (
    await router.setRoutingDataBatch(
      keys.map((k) => k.tokenId),
      keys.map((k) => k.publicKey),
      KEY_TYPE_ECDSA,
    )
  ).wait();
  console.log(`  pool: ${await router.unmintedKeyCount(KEY_TYPE_ECDSA)} unminted keys`);
  console.log(`  gas: ${registration?.gasUsed} for ${POOL_SIZE} keys`);

  step("Hashing actions/isPrime.js to its IPFS CID");
  const code = await readFile(path.join(__dirname, "..", "actions", "isPrime.js"), "utf8");
  const ipfsId = await cidOfCode(code);
  console.log(`  ${ipfsId}`);

  step("Minting a PKP, granting it to isPrime.js only, and burning it — one transaction");
  const cost = await pkpNft.mintCost();
  const cidBytes = cidToBytes(ipfsId);
  const tokenId = await pkpNft.mintGrantAndBurnNext.staticCall(KEY_TYPE_ECDSA, cidBytes, {
    value: cost,
  });
  const receipt = await (
    await pkpNft.mintGrantAndBurnNext(KEY_TYPE_ECDSA, cidBytes, { value: cost })
  ).wait();
  console.log(`  tx ${receipt?.hash} (block ${receipt?.blockNumber}, gas ${receipt?.gasUsed})`);
  for (const log of receipt?.logs ?? []) {
    const contract = log.address === (await pkpNft.getAddress()) ? pkpNft : permissions;
    const parsed = contract.interface.parseLog(log);
    console.log(`    log ${log.index}: ${parsed?.name}`);
  }

  step("What the chain says about the PKP now");
  console.log(`  tokenId     ${tokenId}`);
  console.log(`  publicKey   ${await pkpNft.getPubkey(tokenId)}`);
  console.log(`  ethAddress  ${await pkpNft.getEthAddress(tokenId)}`);
  console.log(`  exists      ${await pkpNft.exists(tokenId)} (burned: nobody can change it)`);
  const actions = await permissions.getPermittedActions(tokenId);
  console.log(`  actions     ${actions.length} → ${actions.map((a) => a).join(", ")}`);
  console.log(`  addresses   ${(await permissions.getPermittedAddresses(tokenId)).length}`);
  const scopes = await permissions.getPermittedAuthMethodScopes(tokenId, 2n, cidBytes, 3n);
  console.log(`  scopes      SignAnything=${scopes[1]} PersonalSign=${scopes[2]}`);
  console.log(`  key held by the oracle: ${keystore.has(tokenId)}`);
  console.log("\nDone: this PKP can only ever sign through isPrime.js.");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
