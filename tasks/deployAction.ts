import { promises as fs } from "node:fs";
import * as path from "node:path";
import { ZeroAddress, getAddress, keccak256, type TransactionReceipt } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import PKPModule from "../ignition/modules/PKP";
import { type ContractArtifacts } from "../src/contractArtifacts";
import {
  CONTRACT_NAMES,
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
import { deployIgnitionModule } from "./ignitionDeploy";
import { missingNetworkVarsOf } from "./networkVars";
import { contractArtifacts, deploymentsDirOf } from "./project";
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
  log: (line: string) => void,
): Promise<DeploymentRecord | undefined> {
  let record: DeploymentRecord;
  try {
    record = await readDeploymentRecord(network, dir);
  } catch (error) {
    if (error instanceof DeploymentError && error.code === "DEPLOYMENT_NOT_FOUND") return undefined;
    throw error;
  }
  if (record.chainId !== chainId) {
    log(
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
      log(
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

/**
 * The compiler and settings of the deployed code, from its build info (not from the project's
 * configuration: in another project that is the user's compiler, not the one of our artifacts).
 */
async function compilerInfo(artifacts: ContractArtifacts): Promise<DeploymentRecord["compiler"]> {
  const buildInfo = await artifacts.getBuildInfo("contracts/PKPNFT.sol:PKPNFT");
  if (buildInfo === undefined) {
    throw new DeployTaskError(
      "NOT_COMPILED",
      "no build info for PKPNFT: run `npx hardhat compile` first",
    );
  }
  const settings: Record<string, unknown> = { ...buildInfo.input.settings };
  delete settings.outputSelection; // Hardhat's own artifact selection, not a compiler choice
  return { version: buildInfo.solcLongVersion, settings };
}

/** What deployStack found or did. */
export interface StackDeployment {
  record: DeploymentRecord;
  /** False when a live deployment was found and reused. */
  deployedNow: boolean;
}

export interface DeployStackOptions {
  keyProvider?: string;
  mintCost?: bigint;
  /**
   * Where the record is read from and written to; `null` keeps it in memory (the in-process
   * chain dies with the process: `hre.pkp` writes nothing for it).
   */
  deploymentsDir: string | null;
  /** With no directory: a record from earlier in this process, reused while it is live. */
  known?: DeploymentRecord;
  /** The root of Ignition's journals (`<root>/deployments/<id>`). */
  journalRoot: string;
  /** What is deployed: this checkout's compilation, or the package's artifacts. */
  artifacts: ContractArtifacts;
  /** Progress lines. */
  log: (line: string) => void;
  /** Ignition's live display (a terminal only). */
  displayUi?: boolean;
}

/** The root of Ignition's journals: `paths.ignition` of the Ignition plugin, or `<root>/ignition`. */
export function ignitionRoot(hre: HardhatRuntimeEnvironment): string {
  const configured = (hre.config.paths as { ignition?: string }).ignition;
  return configured ?? path.join(hre.config.paths.root, "ignition");
}

/**
 * Deploys and wires the stack on hre's network, or finds it deployed and live already (the
 * record's chain id and code at every address). Shared by pkp:deploy and `hre.pkp.deploy()`.
 * Refusals are DeployTaskError or DeploymentError.
 */
export async function deployStack(
  hre: HardhatRuntimeEnvironment,
  options: DeployStackOptions,
): Promise<StackDeployment> {
  const { log, deploymentsDir: dir } = options;
  const network = hre.network.name;
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

  if (dir !== null) {
    const existing = await existingDeployment(hre, network, dir, chainId, log);
    if (existing !== undefined) {
      log(
        `PKP stack already deployed on network ${network} (chain ${chainId}), recorded in ` +
          `${path.join(dir, `${network}.json`)}; nothing to do.`,
      );
      return { record: existing, deployedNow: false };
    }
  } else if (options.known !== undefined && (await isLive(options.known, hre, chainId))) {
    log(`PKP stack already deployed on network ${network} (chain ${chainId}); nothing to do.`);
    return { record: options.known, deployedNow: false };
  }

  const signers = await hre.ethers.getSigners();
  if (signers.length === 0) {
    throw new DeployTaskError("NO_ACCOUNT", `network ${network} has no account to deploy from`);
  }
  const deployer = getAddress(signers[0].address);
  const startBlock = await hre.ethers.provider.getBlockNumber();
  const deploymentId = await prepareIgnitionJournal(network, chainId, options.journalRoot);
  log(
    `Deploying the PKP stack to network ${network} (chain ${chainId}) from ${deployer}` +
      (deploymentId === undefined ? "" : `, Ignition deployment ${deploymentId}`),
  );

  const parameters: Record<string, string | bigint> = {};
  if (options.keyProvider !== undefined) parameters.keyProvider = options.keyProvider;
  if (options.mintCost !== undefined) parameters.mintCost = options.mintCost;
  const deployed = await deployIgnitionModule(hre, PKPModule, {
    artifacts: options.artifacts,
    parameters: { PKP: parameters },
    deploymentId,
    journalRoot: options.journalRoot,
    displayUi: options.displayUi,
  });

  const receipts = await creationReceipts(hre, deployer, startBlock);
  const contracts: Partial<Record<ContractName, DeployedContract>> = {};
  for (const name of CONTRACT_NAMES) {
    const address = getAddress(deployed[FUTURE_OF[name]]);
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
    log(`  ✓ ${name} ${address} (tx ${receipt.hash}, block ${receipt.blockNumber})`);
  }

  const record: DeploymentRecord = {
    network,
    chainId,
    deployer,
    deployedAt: new Date().toISOString(),
    compiler: await compilerInfo(options.artifacts),
    contracts: contracts as Record<ContractName, DeployedContract>,
  };
  if (dir === null) {
    log("Deployed the PKP stack (on the in-process network: no record written)");
  } else {
    const file = await writeDeployment({ record, dir });
    log(`Deployed the PKP stack; recorded in ${file}`);
  }
  return { record, deployedNow: true };
}

/** Whether the contracts of `record` are still on hre's chain (not reverted, not restarted). */
async function isLive(
  record: DeploymentRecord,
  hre: HardhatRuntimeEnvironment,
  chainId: number,
): Promise<boolean> {
  if (record.chainId !== chainId) return false;
  try {
    await verifyDeploymentOnChain(record, hre.ethers.provider);
    return true;
  } catch (error) {
    if (error instanceof DeploymentError) return false;
    throw error;
  }
}

/**
 * pkp:deploy: deploys and wires the stack, or finds it deployed already, and writes the record.
 * Refusals are DeployTaskError or DeploymentError (the task runner prints them as one line).
 */
export async function deploy(args: DeployTaskArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  const keyProvider = parseKeyProvider(args.keyProvider);
  const mintCost = parseMintCost(args.mintCost);
  const missing = missingNetworkVarsOf(hre);
  if (missing.length > 0) throw new DeployTaskError("MISSING_CONFIG", missing.join("\n"));
  const dir = deploymentsDirOf(hre, args.deploymentsDir);
  const { record, deployedNow } = await deployStack(hre, {
    keyProvider,
    mintCost,
    deploymentsDir: dir,
    // With --deployments-dir, Ignition's journal goes next to the records (tests: out of the tree).
    journalRoot: args.deploymentsDir === undefined ? ignitionRoot(hre) : path.join(dir, "ignition"),
    artifacts: contractArtifacts(hre),
    log: (line) => console.log(line),
    // Ignition's live UI redraws with ANSI escapes: on a terminal only. Elsewhere (CI, tests) the
    // lines of deployStack report each contract once it is deployed and confirmed.
    displayUi: process.stdout.isTTY === true,
  });
  if (!deployedNow && (keyProvider !== undefined || mintCost !== undefined)) {
    console.log(
      "  (--key-provider and --mint-cost apply to a new deployment only; the deployed stack " +
        "was left as it is)",
    );
  }
  printTable(record);
}

/**
 * The Ignition deployment id (undefined on the in-process network, where Ignition keeps no
 * journal). A local node restarts with the same chain id and an empty chain, so its journal
 * (`chain-<id>`, git-ignored) is reset before each new deployment; other chains get a fresh
 * `pkp-<chainId>-<time>` journal per deployment, kept for `ignition verify` and auditing.
 */
async function prepareIgnitionJournal(
  network: string,
  chainId: number,
  journalRoot: string,
): Promise<string | undefined> {
  if (network === "hardhat") return undefined;
  if (LOCAL_CHAIN_IDS.has(chainId)) {
    const id = `chain-${chainId}`;
    await fs.rm(path.join(journalRoot, "deployments", id), {
      recursive: true,
      force: true,
    });
    return id;
  }
  const time = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
  return `pkp-${chainId}-${time}`;
}
