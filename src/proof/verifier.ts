/**
 * verifyProof: every check of a proof bundle against a chain, as a library function (the
 * `pkp:verify-proof` task, the demo and the tests all call this).
 *
 *   const compiled = await loadCompiledContracts(hre.artifacts);
 *   const report = await verifyProof(bundle, { provider, compiled, reexecute: true });
 *   console.log(renderReport(report)); // report.ok: every check that ran passed
 *
 * The checks themselves are runVerification (verification.ts), shared with the explorer's page;
 * this module adds what only Node has: re-execution on the oracle's worker-thread runtime.
 */
import type { Provider } from "ethers";
import { ActionRuntime } from "../oracle/runtime";
import type { ProofBundle } from "./bundle";
import type { LogScanProgress } from "./chainLogs";
import type { CompiledContracts } from "./compiled";
import { runVerification, type VerificationReport } from "./verification";

export {
  CHECK_IDS,
  type CheckId,
  type CheckResult,
  type CheckStatus,
  type VerificationReport,
} from "./verification";

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

/** Runs every check on `bundle` (already validated: see readProofBundle / parseProofBundle). */
export async function verifyProof(
  bundle: ProofBundle,
  options: VerifyProofOptions,
): Promise<VerificationReport> {
  const ownRuntime =
    options.reexecute && options.runtime === undefined
      ? new ActionRuntime({ poolSize: 1 })
      : undefined;
  const runtime = options.runtime ?? ownRuntime;
  try {
    return await runVerification(bundle, {
      provider: options.provider,
      compiled: options.compiled,
      runner: options.reexecute ? runtime : undefined,
      logChunkBlocks: options.logChunkBlocks,
      onProgress: options.onProgress,
    });
  } finally {
    await ownRuntime?.close();
  }
}
