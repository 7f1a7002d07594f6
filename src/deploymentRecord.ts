import { getAddress, isHexString } from "ethers";

/** The contracts of one deployment, in deployment order. */

import { CodedError } from "./codedError";
export const CONTRACT_NAMES = [
  "PubkeyRouter",
  "PKPNFTMetadata",
  "PKPNFT",
  "PKPPermissions",
  "PKPHelper",
] as const;

export type ContractName = (typeof CONTRACT_NAMES)[number];

/** Where one contract lives and how it got there. */
export interface DeployedContract {
  /** Checksummed address. */
  address: string;
  /** The transaction that created the contract. */
  transactionHash: string;
  /** The block of that transaction. */
  blockNumber: number;
  /** keccak256 of the runtime code read back from the chain (eth_getCode) after deployment. */
  runtimeBytecodeHash: string;
}

/** The content of `deployments/<network>.json`. */
export interface DeploymentRecord {
  /** The Hardhat network name the stack was deployed with. */
  network: string;
  chainId: number;
  /** Checksummed address of the account that sent the deployment transactions. */
  deployer: string;
  /** ISO 8601 time of the deployment. */
  deployedAt: string;
  compiler: {
    /** solc long version, e.g. "0.8.28+commit.7893614a". */
    version: string;
    /** The solc settings of hardhat.config.ts (optimizer, viaIR, evmVersion). */
    settings: Record<string, unknown>;
  };
  contracts: Record<ContractName, DeployedContract>;
}

export type DeploymentErrorCode =
  /** No record file for the network. */
  | "DEPLOYMENT_NOT_FOUND"
  /** The file is not JSON or does not have the record's shape. */
  | "DEPLOYMENT_MALFORMED"
  /** The connected chain is not the chain of the record. */
  | "CHAIN_ID_MISMATCH"
  /** An address of the record holds no code (typically: a restarted local node). */
  | "CONTRACT_CODE_MISSING"
  /** An address of the record holds code other than what was deployed. */
  | "CONTRACT_CODE_MISMATCH"
  /** The chain could not be asked. */
  | "CHAIN_UNREACHABLE";

/** A deployment record that cannot be used; `code` says why, the message says what to do. */
export class DeploymentError extends CodedError<DeploymentErrorCode> {}

const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Refuses network names that could escape the deployments directory. */
export function assertNetworkName(network: string): void {
  if (!NETWORK_NAME.test(network)) {
    throw new DeploymentError(
      "DEPLOYMENT_MALFORMED",
      `"${network}" is not a network name (letters, digits, "-" and "_" only)`,
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isHash(value: unknown): value is string {
  return typeof value === "string" && isHexString(value, 32);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** The checksummed form of `value`, or undefined when it is not an address. */
function checksummed(value: unknown): string | undefined {
  if (typeof value !== "string" || !isHexString(value, 20)) return undefined;
  return getAddress(value.toLowerCase());
}

/**
 * Checks that `value` (parsed JSON) has the shape of a DeploymentRecord and returns it with
 * checksummed addresses. `source` names the file in error messages.
 */
export function parseDeploymentRecord(value: unknown, source: string): DeploymentRecord {
  const problems: string[] = [];
  const bad = (field: string, expected: string) => problems.push(`${field}: expected ${expected}`);
  if (!isRecord(value)) {
    throw new DeploymentError("DEPLOYMENT_MALFORMED", `${source} is not a deployment record`);
  }
  if (typeof value.network !== "string" || value.network === "") bad("network", "a name");
  if (!isNonNegativeInteger(value.chainId) || value.chainId === 0) bad("chainId", "a chain id");
  const deployer = checksummed(value.deployer);
  if (deployer === undefined) bad("deployer", "an address");
  if (typeof value.deployedAt !== "string" || Number.isNaN(Date.parse(value.deployedAt))) {
    bad("deployedAt", "an ISO 8601 time");
  }
  const compiler = value.compiler;
  if (!isRecord(compiler)) bad("compiler", "{ version, settings }");
  else {
    if (typeof compiler.version !== "string" || compiler.version === "") {
      bad("compiler.version", "a solc version");
    }
    if (!isRecord(compiler.settings)) bad("compiler.settings", "an object");
  }
  const contracts: Partial<Record<ContractName, DeployedContract>> = {};
  if (!isRecord(value.contracts)) bad("contracts", `{ ${CONTRACT_NAMES.join(", ")} }`);
  else {
    for (const name of CONTRACT_NAMES) {
      const entry = value.contracts[name];
      if (!isRecord(entry)) {
        bad(`contracts.${name}`, "{ address, transactionHash, blockNumber, runtimeBytecodeHash }");
        continue;
      }
      const address = checksummed(entry.address);
      if (address === undefined) bad(`contracts.${name}.address`, "an address");
      if (!isHash(entry.transactionHash))
        bad(`contracts.${name}.transactionHash`, "a 32-byte hash");
      if (!isNonNegativeInteger(entry.blockNumber)) bad(`contracts.${name}.blockNumber`, "a block");
      if (!isHash(entry.runtimeBytecodeHash)) {
        bad(`contracts.${name}.runtimeBytecodeHash`, "a 32-byte hash");
      }
      if (address !== undefined) {
        contracts[name] = {
          address,
          transactionHash: String(entry.transactionHash),
          blockNumber: Number(entry.blockNumber),
          runtimeBytecodeHash: String(entry.runtimeBytecodeHash),
        };
      }
    }
  }
  if (problems.length > 0) {
    throw new DeploymentError(
      "DEPLOYMENT_MALFORMED",
      `${source} is not a valid deployment record (${problems.join("; ")}); ` +
        "fix it or delete it and deploy again",
    );
  }
  const v = value as unknown as DeploymentRecord;
  return {
    network: v.network,
    chainId: v.chainId,
    deployer: deployer as string,
    deployedAt: v.deployedAt,
    compiler: { version: v.compiler.version, settings: v.compiler.settings },
    contracts: contracts as Record<ContractName, DeployedContract>,
  };
}
