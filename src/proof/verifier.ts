/**
 * verifyProof: every check of a proof bundle against a chain, as a library function (the
 * `pkp:verify-proof` task, the demo and the tests all call this).
 *
 *   const compiled = await loadCompiledContracts(hre.artifacts);
 *   const report = await verifyProof(bundle, { provider, compiled, reexecute: true });
 *   console.log(renderReport(report)); // report.ok: every check that ran passed
 *
 * Every read is made at one block (the head when verification starts) or earlier, so the checks
 * see one consistent chain state.
 */
import type { Provider } from "ethers";
import {
  PKPNFT__factory,
  PKPPermissions__factory,
  PubkeyRouter__factory,
} from "../../typechain-types";
import { cidToBytes } from "../cid";
import { ActionRuntime } from "../oracle/runtime";
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

export { CHECK_IDS, type CheckId, type CheckResult, type CheckStatus } from "./checks/types";

export interface VerifyProofOptions {
  provider: Provider;
  /** This repository's compiled contracts (loadCompiledContracts(hre.artifacts)). */
  compiled: CompiledContracts;
  /** Run the action again and compare (the reproduction check); skipped otherwise. */
  reexecute?: boolean;
  /** A sandbox runtime to share for re-execution; by default one is created and closed. */
  runtime?: ActionRuntime;
  /** Blocks per eth_getLogs request (default 5000). */
  logChunkBlocks?: number;
  /** Progress of long log searches. */
  onProgress?: (progress: LogScanProgress) => void;
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

/** Runs every check on `bundle` (already validated: see readProofBundle / parseProofBundle). */
export async function verifyProof(
  bundle: ProofBundle,
  options: VerifyProofOptions,
): Promise<VerificationReport> {
  const { provider } = options;
  const latestBlock = await provider.getBlockNumber();
  const ownRuntime =
    options.reexecute && options.runtime === undefined
      ? new ActionRuntime({ poolSize: 1 })
      : undefined;
  const runtime = options.runtime ?? ownRuntime;
  const context: CheckContext = {
    bundle,
    provider,
    pkpNft: PKPNFT__factory.connect(bundle.contracts.PKPNFT.address, provider),
    pkpPermissions: PKPPermissions__factory.connect(
      bundle.contracts.PKPPermissions.address,
      provider,
    ),
    pubkeyRouter: PubkeyRouter__factory.connect(bundle.contracts.PubkeyRouter.address, provider),
    compiled: options.compiled,
    tokenId: BigInt(bundle.pkp.tokenId),
    cidBytes: cidToBytes(bundle.action.ipfsId),
    latestBlock,
    logChunkBlocks: options.logChunkBlocks,
    onProgress: options.onProgress,
    reexecute: options.reexecute && runtime !== undefined ? { runtime } : undefined,
  };
  const checks: CheckResult[] = [];
  try {
    for (const [id, check] of CHECKS) {
      try {
        checks.push(await check(context));
      } catch (error) {
        checks.push({
          id,
          status: "fail",
          summary: `could not be checked: ${reasonOf(error)}`,
          evidence: [],
        });
      }
    }
  } finally {
    await ownRuntime?.close();
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
