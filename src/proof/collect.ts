/**
 * Assembling a proof bundle from what a run produced and what the chain says. No judgement here:
 * a bundle is written for any PKP and any execution; deciding whether it proves anything is the
 * verifier's job.
 */
import { computeAddress, getAddress, toBeHex, type Provider } from "ethers";
// Its own module, not the index (which loads every generated factory: see src/deployments.ts).
import { PKPNFT__factory } from "../../typechain-types/factories/contracts/PKPNFT__factory";
import { CONTRACT_NAMES, type DeploymentRecord } from "../deploymentRecord";
import type { ExecuteSuccess } from "../oracle/oracle";
import { PROOF_BUNDLE_VERSION, type ProofBundle, type ProofContracts } from "./bundle";
import { scanLogs, type LogScanProgress } from "./chainLogs";
import { CodedError } from "../codedError";

/** The bundle's `contracts` from a deployment record (address and creation block of each). */
export function proofContractsOf(record: DeploymentRecord): ProofContracts {
  const entries = CONTRACT_NAMES.map((name) => [
    name,
    { address: record.contracts[name].address, deployedBlock: record.contracts[name].blockNumber },
  ]);
  return Object.fromEntries(entries) as ProofContracts;
}

/** Thrown when the chain has no mint of the PKP. */
export class MintNotFoundError extends CodedError<"MINT_NOT_FOUND"> {
  constructor(message: string) {
    super("MINT_NOT_FOUND", message);
  }
}

/**
 * The hash of the transaction in which PKPNFT emitted PKPMinted(tokenId), searched from PKPNFT's
 * creation block to the head. Throws MintNotFoundError when there is none.
 */
export async function findMintTransaction(opts: {
  provider: Provider;
  pkpNft: { address: string; deployedBlock: number };
  tokenId: bigint;
  chunkBlocks?: number;
  onProgress?: (progress: LogScanProgress) => void;
}): Promise<string> {
  const topic = PKPNFT__factory.createInterface().getEvent("PKPMinted").topicHash;
  const logs = await scanLogs({
    provider: opts.provider,
    label: "the PKP's mint",
    address: opts.pkpNft.address,
    topics: [topic, toBeHex(opts.tokenId, 32)],
    fromBlock: opts.pkpNft.deployedBlock,
    toBlock: await opts.provider.getBlockNumber(),
    chunkBlocks: opts.chunkBlocks,
    onProgress: opts.onProgress,
  });
  if (logs.length === 0) {
    throw new MintNotFoundError(
      `PKPNFT ${opts.pkpNft.address} never minted PKP ${opts.tokenId} ` +
        `(no PKPMinted event since block ${opts.pkpNft.deployedBlock})`,
    );
  }
  return logs[0].transactionHash.toLowerCase();
}

/** The bundle of one execution of `code` with the PKP `tokenId` (whose key is `publicKey`). */
export function buildProofBundle(input: {
  chainId: number;
  contracts: ProofContracts;
  tokenId: bigint;
  publicKey: string;
  code: string;
  ipfsId: string;
  mintTxHash: string;
  jsParams: Record<string, unknown>;
  result: ExecuteSuccess;
}): ProofBundle {
  const publicKey = input.publicKey.toLowerCase();
  return {
    version: PROOF_BUNDLE_VERSION,
    chainId: input.chainId,
    contracts: input.contracts,
    pkp: {
      tokenId: input.tokenId.toString(),
      publicKey,
      ethAddress: getAddress(computeAddress(publicKey)),
    },
    action: { ipfsId: input.ipfsId, code: input.code },
    mintTxHash: input.mintTxHash.toLowerCase(),
    execution: {
      jsParams: input.jsParams,
      response: input.result.response,
      signatures: input.result.signatures,
      ...(input.result.recordings === undefined ? {} : { recordings: input.result.recordings }),
      ...(input.result.caller === undefined ? {} : { caller: input.result.caller }),
    },
  };
}

/**
 * The bundle of one execution with a PKP of the deployment in `record`: finds the transaction that
 * minted the PKP (from PKPNFT's creation block) and assembles the rest from the run.
 */
export async function collectProofBundle(input: {
  record: DeploymentRecord;
  provider: Provider;
  tokenId: bigint;
  publicKey: string;
  code: string;
  ipfsId: string;
  jsParams: Record<string, unknown>;
  result: ExecuteSuccess;
  onProgress?: (progress: LogScanProgress) => void;
}): Promise<ProofBundle> {
  const { record, provider, tokenId, onProgress, ...execution } = input;
  const nft = record.contracts.PKPNFT;
  const mintTxHash = await findMintTransaction({
    provider,
    pkpNft: { address: nft.address, deployedBlock: nft.blockNumber },
    tokenId,
    onProgress,
  });
  return buildProofBundle({
    ...execution,
    chainId: record.chainId,
    contracts: proofContractsOf(record),
    tokenId,
    mintTxHash,
  });
}
