/**
 * The one module that reads and writes deployment records (`deployments/<network>.json`, written
 * by `npx hardhat pkp:deploy --network <name>`). Loading a record checks it against the chain it
 * is used with and returns typed contract handles.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { keccak256, type ContractRunner, type Provider } from "ethers";
import type {
  PKPHelper,
  PKPNFT,
  PKPNFTMetadata,
  PKPPermissions,
  PubkeyRouter,
} from "../typechain-types";
// The factories from their own modules, not the index: the index loads every generated factory
// (OpenZeppelin's, the test contracts'), and each process that opens a deployment would transpile
// and load all of them (about 1.5 s of CPU per `hardhat pkp:*` run).
import { PKPHelper__factory } from "../typechain-types/factories/contracts/PKPHelper__factory";
import { PKPNFTMetadata__factory } from "../typechain-types/factories/contracts/PKPNFTMetadata__factory";
import { PKPNFT__factory } from "../typechain-types/factories/contracts/PKPNFT__factory";
import { PKPPermissions__factory } from "../typechain-types/factories/contracts/PKPPermissions__factory";
import { PubkeyRouter__factory } from "../typechain-types/factories/contracts/PubkeyRouter__factory";
import {
  CONTRACT_NAMES,
  DeploymentError,
  assertNetworkName,
  parseDeploymentRecord,
  type ContractName,
  type DeploymentRecord,
} from "./deploymentRecord";

export {
  CONTRACT_NAMES,
  DeploymentError,
  parseDeploymentRecord,
  type ContractName,
  type DeployedContract,
  type DeploymentErrorCode,
  type DeploymentRecord,
} from "./deploymentRecord";

/**
 * `deployments/` in the working directory, for callers that give no directory. The `pkp:*` tasks
 * and `hre.pkp` always give one: `deployments/` at the Hardhat project's root.
 */
export const DEFAULT_DEPLOYMENTS_DIR = path.resolve("deployments");

export interface PkpContracts {
  pubkeyRouter: PubkeyRouter;
  pkpNft: PKPNFT;
  pkpPermissions: PKPPermissions;
  pkpHelper: PKPHelper;
  pkpNftMetadata: PKPNFTMetadata;
}

export interface LoadedDeployment {
  record: DeploymentRecord;
  contracts: PkpContracts;
}

/** The path of the record of `network`. */
export function deploymentPath(network: string, dir: string = DEFAULT_DEPLOYMENTS_DIR): string {
  assertNetworkName(network);
  return path.join(dir, `${network}.json`);
}

/** Reads and validates the record of `network` without asking any chain. */
export async function readDeploymentRecord(
  network: string,
  dir: string = DEFAULT_DEPLOYMENTS_DIR,
): Promise<DeploymentRecord> {
  const file = deploymentPath(network, dir);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new DeploymentError(
        "DEPLOYMENT_NOT_FOUND",
        `no deployment record for network ${network} (${file}): ` +
          `run \`npx hardhat pkp:deploy --network ${network}\``,
        { cause: error },
      );
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DeploymentError(
      "DEPLOYMENT_MALFORMED",
      `${file} is not valid JSON (${(error as Error).message}); ` +
        `delete it and run \`npx hardhat pkp:deploy --network ${network}\``,
      { cause: error },
    );
  }
  const record = parseDeploymentRecord(json, file);
  if (record.network !== network) {
    throw new DeploymentError(
      "DEPLOYMENT_MALFORMED",
      `${file} records network "${record.network}", not "${network}"`,
    );
  }
  return record;
}

/** Writes the record of `record.network` (atomically: a temporary file, then a rename). */
export async function writeDeployment(opts: {
  record: DeploymentRecord;
  dir?: string;
}): Promise<string> {
  const dir = opts.dir ?? DEFAULT_DEPLOYMENTS_DIR;
  const record = parseDeploymentRecord(opts.record, `the record of ${opts.record.network}`);
  const file = deploymentPath(record.network, dir);
  await fs.mkdir(dir, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`, "utf8");
  await fs.rename(temporary, file);
  return file;
}

function providerOf(runner: ContractRunner): Provider {
  const candidate = runner as Partial<Provider>;
  if (typeof candidate.getCode === "function" && typeof candidate.getNetwork === "function") {
    return runner as Provider;
  }
  if (runner.provider) return runner.provider;
  throw new TypeError("the contract runner has no provider");
}

/** The code hash at each address of `record`, in CONTRACT_NAMES order ("0x" code hashes too). */
async function codeHashes(provider: Provider, record: DeploymentRecord) {
  return Promise.all(
    CONTRACT_NAMES.map(async (name) => {
      const code = await provider.getCode(record.contracts[name].address);
      return { name, code, hash: keccak256(code) };
    }),
  );
}

/**
 * Checks that `provider` is connected to the chain of `record` and that every recorded address
 * holds exactly the recorded runtime code. Throws DeploymentError (CHAIN_UNREACHABLE,
 * CHAIN_ID_MISMATCH, CONTRACT_CODE_MISSING, CONTRACT_CODE_MISMATCH) otherwise.
 */
export async function verifyDeploymentOnChain(
  record: DeploymentRecord,
  runner: ContractRunner,
): Promise<void> {
  const provider = providerOf(runner);
  let chainId: bigint;
  let found: Awaited<ReturnType<typeof codeHashes>>;
  try {
    chainId = (await provider.getNetwork()).chainId;
  } catch (error) {
    throw new DeploymentError(
      "CHAIN_UNREACHABLE",
      `cannot reach the chain of network ${record.network}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (chainId !== BigInt(record.chainId)) {
    throw new DeploymentError(
      "CHAIN_ID_MISMATCH",
      `the deployment record of network ${record.network} is for chain id ${record.chainId}, ` +
        `but the connected chain has chain id ${chainId}`,
    );
  }
  try {
    found = await codeHashes(provider, record);
  } catch (error) {
    throw new DeploymentError(
      "CHAIN_UNREACHABLE",
      `cannot read code from the chain of network ${record.network}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  for (const { name, code, hash } of found) {
    const { address, runtimeBytecodeHash } = record.contracts[name];
    if (code === "0x") {
      throw new DeploymentError(
        "CONTRACT_CODE_MISSING",
        `no code at ${name} ${address} on chain ${record.chainId} (network ${record.network}): ` +
          "the chain was probably restarted since the deployment; " +
          `run \`npx hardhat pkp:deploy --network ${record.network}\` again`,
      );
    }
    if (hash !== runtimeBytecodeHash) {
      throw new DeploymentError(
        "CONTRACT_CODE_MISMATCH",
        `the code at ${name} ${address} (network ${record.network}) hashes to ${hash}, not to the ` +
          `recorded ${runtimeBytecodeHash}: this is not the deployed contract; ` +
          `run \`npx hardhat pkp:deploy --network ${record.network}\` again`,
      );
    }
  }
}

/** Typed handles on the contracts of `record`, connected to `runner`. */
export function connectContracts(record: DeploymentRecord, runner: ContractRunner): PkpContracts {
  const at = (name: ContractName) => record.contracts[name].address;
  return {
    pubkeyRouter: PubkeyRouter__factory.connect(at("PubkeyRouter"), runner),
    pkpNft: PKPNFT__factory.connect(at("PKPNFT"), runner),
    pkpPermissions: PKPPermissions__factory.connect(at("PKPPermissions"), runner),
    pkpHelper: PKPHelper__factory.connect(at("PKPHelper"), runner),
    pkpNftMetadata: PKPNFTMetadata__factory.connect(at("PKPNFTMetadata"), runner),
  };
}

/**
 * Loads the record of `network`, checks it against the chain `runner` is connected to (chain id,
 * code at every address) and returns it with typed contract handles connected to `runner` (a
 * provider for reads, a signer for writes). Throws DeploymentError with a code and a message that
 * says what to do.
 */
export async function loadDeployment(opts: {
  network: string;
  runner: ContractRunner;
  dir?: string;
}): Promise<LoadedDeployment> {
  const record = await readDeploymentRecord(opts.network, opts.dir);
  await verifyDeploymentOnChain(record, opts.runner);
  return { record, contracts: connectContracts(record, opts.runner) };
}
