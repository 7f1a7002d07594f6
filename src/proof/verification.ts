/**
 * The checks of a proof bundle against a chain, in the order they are reported: the one
 * implementation that `pkp:verify-proof` (through verifyProof, verifier.ts) and the explorer's
 * page both run. It imports nothing node-only; what differs between the two is injected: the
 * provider (Hardhat's or the page's JSON-RPC), the compiled contracts (read from the artifacts, or
 * shipped with the page from the same artifacts) and the ActionRunner of the reproduction check.
 *
 * Every read is made at one block (the head when verification starts) or earlier, so the checks
 * see one consistent chain state.
 */
import { Contract, type Provider } from "ethers";
import type { PKPNFT, PKPPermissions, PubkeyRouter } from "../../typechain-types";
import { cidToBytes } from "../cid";
import type { ProofBundle } from "./bundle";
import type { LogScanProgress } from "./chainLogs";
import type { CompiledContracts } from "./compiled";
import { checkCode } from "./checks/code";
import { checkContracts } from "./checks/contracts";
import { checkGrants } from "./checks/grants";
import { checkKey } from "./checks/key";
import { checkOneTransaction } from "./checks/oneTransaction";
import { checkReproduction } from "./checks/reproduction";
import { checkSignatures } from "./checks/signatures";
import {
  reasonOf,
  type Check,
  type CheckContext,
  type CheckId,
  type CheckResult,
} from "./checks/types";
import type { ActionRunner } from "./replay";

export { CHECK_IDS, type CheckId, type CheckResult, type CheckStatus } from "./checks/types";

export interface VerificationOptions {
  provider: Provider;
  /** This repository's compiled contracts (loadCompiledContracts(hre.artifacts)). */
  compiled: CompiledContracts;
  /** Runs the action for the reproduction check; without it that check is skipped. */
  runner?: ActionRunner;
  /** Blocks per eth_getLogs request (default 5000). */
  logChunkBlocks?: number;
  /** Progress of long log searches. */
  onProgress?: (progress: LogScanProgress) => void;
  /** Called as each check finishes (the explorer shows checks as they complete). */
  onCheck?: (result: CheckResult) => void;
}

export interface VerificationReport {
  /** True when every check that ran passed (a skipped check neither passes nor fails). */
  ok: boolean;
  chainId: number;
  tokenId: string;
  ipfsId: string;
  mintTxHash: string;
  /** The head block every read was made against (or earlier). */
  block: number;
  checks: CheckResult[];
}

const CHECKS: ReadonlyArray<[CheckId, Check]> = [
  ["contracts", checkContracts],
  ["key", checkKey],
  ["code", checkCode],
  ["grants", checkGrants],
  ["one-transaction", checkOneTransaction],
  ["signatures", checkSignatures],
  ["reproduction", checkReproduction],
];

/** Runs every check on `bundle` (already validated: see parseProofBundle). */
export async function runVerification(
  bundle: ProofBundle,
  options: VerificationOptions,
): Promise<VerificationReport> {
  const { provider, compiled } = options;
  const latestBlock = await provider.getBlockNumber();
  // Handles through the artifacts' ABIs (what they are connected to is the contracts check's job).
  const connect = <T>(name: keyof CompiledContracts, address: string) =>
    new Contract(address, compiled[name].abi, provider) as unknown as T;
  const context: CheckContext = {
    bundle,
    provider,
    pkpNft: connect<PKPNFT>("PKPNFT", bundle.contracts.PKPNFT.address),
    pkpPermissions: connect<PKPPermissions>(
      "PKPPermissions",
      bundle.contracts.PKPPermissions.address,
    ),
    pubkeyRouter: connect<PubkeyRouter>("PubkeyRouter", bundle.contracts.PubkeyRouter.address),
    compiled,
    tokenId: BigInt(bundle.pkp.tokenId),
    cidBytes: cidToBytes(bundle.action.ipfsId),
    latestBlock,
    logChunkBlocks: options.logChunkBlocks,
    onProgress: options.onProgress,
    reexecute: options.runner === undefined ? undefined : { runner: options.runner },
  };
  const checks: CheckResult[] = [];
  for (const [id, check] of CHECKS) {
    let result: CheckResult;
    try {
      result = await check(context);
    } catch (error) {
      result = {
        id,
        status: "fail",
        summary: `could not be checked: ${reasonOf(error)}`,
        evidence: [],
      };
    }
    checks.push(result);
    options.onCheck?.(result);
  }
  return {
    ok: checks.every((c) => c.status !== "fail"),
    chainId: bundle.chainId,
    tokenId: bundle.pkp.tokenId,
    ipfsId: bundle.action.ipfsId,
    mintTxHash: bundle.mintTxHash,
    block: latestBlock,
    checks,
  };
}
