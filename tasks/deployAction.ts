import { promises as fs } from "node:fs";
import * as path from "node:path";
import { ZeroAddress, getAddress, keccak256, type TransactionReceipt } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import PKPModule from "../ignition/modules/PKP";
import {
  CONTRACT_NAMES,
  DEFAULT_DEPLOYMENTS_DIR,
  DeploymentError,
  readDeploymentRecord,
  verifyDeploymentOnChain,
  writeDeployment,
  type ContractName,
  type DeployedContract,
  type DeploymentRecord,
} from "../src/deployments";
import { messageOf, oneLine } from "../src/errorText";
import type { DeployTaskArgs } from "./args";
import { missingNetworkVars } from "./networkVars";
import { DeployTaskError } from "./taskErrors";

/** PKPNFT refuses mint costs above 2^96 - 1 (MintCostTooHigh). */
const MAX_MINT_COST = 2n ** 96n - 1n;

/** Chain ids of local development nodes (hardhat node, anvil): their state dies with the node. */
const LOCAL_CHAIN_IDS = new Set([31337, 1337]);

/** Which Ignition future creates each contract of the record. */
const FUTURE_OF: Record<ContractName, keyof typeof PKPModule.results> = {
  PubkeyRouter: "pubkeyRouter",
  PKPNFTMetadata: "pkpNftMetadata",
  PKPNFT: "pkpNft",
  PKPPermissions: "pkpPermissions",
  PKPHelper: "pkpHelper",
};

export function parseKeyProvider(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let address: string;
  try {
    address = getAddress(value);
  } catch {
    throw new DeployTaskError(
      "INVALID_OPTION",
      `--key-provider "${value}" is not an address (0x + 40 hex digits)`,
    );
  }
  if (address === ZeroAddress)
    throw new DeployTaskError("INVALID_OPTION", "--key-provider must not be the zero address");
  return address;
}

export function parseMintCost(value: string | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value.trim())) {
    throw new DeployTaskError(
      "INVALID_OPTION",
      `--mint-cost "${value}" is not a whole, non-negative number of wei (e.g. --mint-cost 1000)`,
    );
  }
  const cost = BigInt(value.trim());
  if (cost > MAX_MINT_COST) {
    throw new DeployTaskError(
      "INVALID_OPTION",
      `--mint-cost ${value} is above PKPNFT's maximum of 2^96 - 1 wei`,
    );
  }
  return cost;
}

function printTable(record: DeploymentRecord): void {
  const width = Math.max(...CONTRACT_NAMES.map((n) => n.length));
  console.log(`  network ${record.network} (chain ${record.chainId}), deployer ${record.deployer}`);
  for (const name of CONTRACT_NAMES) {
    const c = record.contracts[name];
    console.log(`  ${name.padEnd(width)}  ${c.address}  block ${c.blockNumber}`);
  }
}

/** Whether `file` holds a record that is live on the connected chain; says why not otherwise. */
async function existingDeployment(
  hre: HardhatRuntimeEnvironment,
  network: string,
  dir: string,
  chainId: number,
): Promise<DeploymentRecord | undefined> {
  let record: DeploymentRecord;
  try {
    record = await readDeploymentRecord(network, dir);
  } catch (error) {
    if (error instanceof DeploymentError && error.code === "DEPLOYMENT_NOT_FOUND") return undefined;
    throw error;
  }
  if (record.chainId !== chainId) {
    console.log(
      `The record ${path.join(dir, `${network}.json`)} is for chain ${record.chainId}, but ` +
        `network ${network} is chain ${chainId}: deploying anew.`,
    );
    return undefined;
  }
  try {
    await verifyDeploymentOnChain(record, hre.ethers.provider);
    return record;
  } catch (error) {
    if (
      error instanceof DeploymentError &&
      (error.code === "CONTRACT_CODE_MISSING" || error.code === "CONTRACT_CODE_MISMATCH")
    ) {
      console.log(
        `The contracts recorded for network ${network} are gone from chain ${chainId} ` +
          `(${error.code === "CONTRACT_CODE_MISSING" ? "no code" : "other code"} at a recorded ` +
          "address; the chain was probably restarted): deploying anew.",
      );
      return undefined;
    }
    throw error;
  }
}

/** The receipts of the contract creations sent by `deployer` in blocks (after, latest]. */
async function creationReceipts(
  hre: HardhatRuntimeEnvironment,
  deployer: string,
  afterBlock: number,
): Promise<Map<string, TransactionReceipt>> {
  const provider = hre.ethers.provider;
  const latest = await provider.getBlockNumber();
  const byAddress = new Map<string, TransactionReceipt>();
  for (let n = afterBlock + 1; n <= latest; n++) {
    const block = await provider.getBlock(n, true);
    if (block === null) continue;
    for (const tx of block.prefetchedTransactions) {
      if (tx.to !== null || getAddress(tx.from) !== deployer) continue;
      const receipt = await provider.getTransactionReceipt(tx.hash);
      if (receipt?.contractAddress) byAddress.set(getAddress(receipt.contractAddress), receipt);
    }
  }
  return byAddress;
}

async function compilerInfo(hre: HardhatRuntimeEnvironment): Promise<DeploymentRecord["compiler"]> {
  const buildInfo = await hre.artifacts.getBuildInfo("contracts/PKPNFT.sol:PKPNFT");
  if (buildInfo === undefined) {
    throw new DeployTaskError(
      "NOT_COMPILED",
      "no build info for PKPNFT: run `npx hardhat compile` first",
    );
  }
  const configured = hre.config.solidity.compilers.find((c) => c.version === buildInfo.solcVersion);
  // Hardhat types a configured compiler's settings as `any`: they are solc's settings object.
  const configuredSettings = configured?.settings as Record<string, unknown> | undefined;
  const settings: Record<string, unknown> = {
    ...(configuredSettings ?? buildInfo.input.settings),
  };
  delete settings.outputSelection; // Hardhat's own artifact selection, not a compiler choice
  return { version: buildInfo.solcLongVersion, settings };
}

/**
 * pkp:deploy: deploys and wires the stack, or finds it deployed already, and writes the record.
 * Refusals are DeployTaskError or DeploymentError (the task runner prints them as one line).
 */
export async function deploy(args: DeployTaskArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  const keyProvider = parseKeyProvider(args.keyProvider);
  const mintCost = parseMintCost(args.mintCost);
  const network = hre.network.name;
  const missing = missingNetworkVars(network);
  if (missing.length > 0) throw new DeployTaskError("MISSING_CONFIG", missing.join("\n"));
  const dir = path.resolve(args.deploymentsDir ?? DEFAULT_DEPLOYMENTS_DIR);
  if (args.deploymentsDir !== undefined) {
    // Keep Ignition's journal next to the records (tests: out of the working tree).
    hre.config.paths.ignition = path.join(dir, "ignition");
  }

  let chainId: number;
  try {
    chainId = Number(await hre.network.provider.request({ method: "eth_chainId" }));
  } catch (error) {
    const url = "url" in hre.network.config ? ` at ${hre.network.config.url}` : "";
    throw new DeployTaskError(
      "NETWORK_UNREACHABLE",
      `cannot reach network ${network}${url}: ${oneLine(messageOf(error))}` +
        (network === "localhost"
          ? " (start one with `npx hardhat node --hostname 127.0.0.1`)"
          : ""),
    );
  }

  const existing = await existingDeployment(hre, network, dir, chainId);
  if (existing !== undefined) {
    console.log(
      `PKP stack already deployed on network ${network} (chain ${chainId}), recorded in ` +
        `${path.join(dir, `${network}.json`)}; nothing to do.`,
    );
    if (keyProvider !== undefined || mintCost !== undefined) {
      console.log(
        "  (--key-provider and --mint-cost apply to a new deployment only; the deployed stack " +
          "was left as it is)",
      );
    }
    printTable(existing);
    return;
  }

  const signers = await hre.ethers.getSigners();
  if (signers.length === 0) {
    throw new DeployTaskError("NO_ACCOUNT", `network ${network} has no account to deploy from`);
  }
  const deployer = getAddress(signers[0].address);
  const startBlock = await hre.ethers.provider.getBlockNumber();
  const deploymentId = await prepareIgnitionJournal(hre, chainId);
  console.log(
    `Deploying the PKP stack to network ${network} (chain ${chainId}) from ${deployer}` +
      (deploymentId === undefined ? "" : `, Ignition deployment ${deploymentId}`),
  );

  const parameters: Record<string, string | bigint> = {};
  if (keyProvider !== undefined) parameters.keyProvider = keyProvider;
  if (mintCost !== undefined) parameters.mintCost = mintCost;
  const deployed = await hre.ignition.deploy(PKPModule, {
    parameters: { PKP: parameters },
    deploymentId,
    // Ignition's live UI redraws with ANSI escapes: on a terminal only. Elsewhere (CI, tests) the
    // lines below report each contract once it is deployed and confirmed.
    displayUi: process.stdout.isTTY === true,
  });

  const receipts = await creationReceipts(hre, deployer, startBlock);
  const contracts: Partial<Record<ContractName, DeployedContract>> = {};
  for (const name of CONTRACT_NAMES) {
    const address = getAddress(await deployed[FUTURE_OF[name]].getAddress());
    const receipt = receipts.get(address);
    if (receipt === undefined) {
      throw new Error(
        `found no creation transaction of ${name} ${address} after block ${startBlock}`,
      );
    }
    const code = await hre.ethers.provider.getCode(address);
    if (code === "0x") throw new Error(`no code at ${name} ${address} after deployment`);
    contracts[name] = {
      address,
      transactionHash: receipt.hash,
      blockNumber: receipt.blockNumber,
      runtimeBytecodeHash: keccak256(code),
    };
    console.log(`  ✓ ${name} ${address} (tx ${receipt.hash}, block ${receipt.blockNumber})`);
  }

  const record: DeploymentRecord = {
    network,
    chainId,
    deployer,
    deployedAt: new Date().toISOString(),
    compiler: await compilerInfo(hre),
    contracts: contracts as Record<ContractName, DeployedContract>,
  };
  const file = await writeDeployment({ record, dir });
  console.log(`Deployed the PKP stack; recorded in ${file}`);
  printTable(record);
}

/**
 * The Ignition deployment id (undefined on the in-process network, where Ignition keeps no
 * journal). A local node restarts with the same chain id and an empty chain, so its journal
 * (`chain-<id>`, git-ignored) is reset before each new deployment; other chains get a fresh
 * `pkp-<chainId>-<time>` journal per deployment, kept for `ignition verify` and auditing.
 */
async function prepareIgnitionJournal(
  hre: HardhatRuntimeEnvironment,
  chainId: number,
): Promise<string | undefined> {
  if (hre.network.name === "hardhat") return undefined;
  if (LOCAL_CHAIN_IDS.has(chainId)) {
    const id = `chain-${chainId}`;
    await fs.rm(path.join(hre.config.paths.ignition, "deployments", id), {
      recursive: true,
      force: true,
    });
    return id;
  }
  const time = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
  return `pkp-${chainId}-${time}`;
}
