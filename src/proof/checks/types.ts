/**
 * What every check of the verifier receives and returns. A check never throws: anything that goes
 * wrong while checking (an unreachable chain, a reverted read) is a failed check with the reason.
 */
import type { Provider } from "ethers";
import type { PKPNFT, PKPPermissions, PubkeyRouter } from "../../../typechain-types";
import type { ProofBundle } from "../bundle";
import type { LogScanProgress } from "../chainLogs";
import type { CompiledContracts } from "../compiled";
import { messageOf, oneLine } from "../../errorText";
import type { ActionRunner } from "../replay";

export const CHECK_IDS = [
  "contracts",
  "key",
  "code",
  "grants",
  "one-transaction",
  "signatures",
  "reproduction",
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

/** `skip`: not asked for (reproduction without --reexecute); never counts as a pass or a failure. */
export type CheckStatus = "pass" | "fail" | "skip";

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  /** One line: what was established, or why not. */
  summary: string;
  /** The facts behind it (tx hashes, blocks, log indexes, addresses, hashes), one per line. */
  evidence: string[];
  /** reproduction only: two re-executions disagreed with each other. */
  nondeterministic?: boolean;
}

export interface CheckContext {
  bundle: ProofBundle;
  provider: Provider;
  /** Typed handles at the bundle's addresses (what they hold is the contracts check's job). */
  pkpNft: PKPNFT;
  pkpPermissions: PKPPermissions;
  pubkeyRouter: PubkeyRouter;
  compiled: CompiledContracts;
  tokenId: bigint;
  /** The action's CID as the 34 bytes PKPPermissions stores. */
  cidBytes: string;
  /** The chain head when verification started: every read of the run is against it or earlier. */
  latestBlock: number;
  logChunkBlocks?: number;
  onProgress?: (progress: LogScanProgress) => void;
  /** For reproduction; absent means the check is skipped. */
  reexecute?: { runner: ActionRunner };
}

export type Check = (context: CheckContext) => Promise<CheckResult>;

/** Collects evidence and problems; a check passes when it found no problem. */
export class CheckRecorder {
  readonly evidence: string[] = [];
  readonly problems: string[] = [];

  constructor(readonly id: CheckId) {}

  fact(line: string): void {
    this.evidence.push(line);
  }

  /** Records `line` as evidence when `ok`, as a problem (and evidence, marked ✗) otherwise. */
  expect(ok: boolean, line: string): boolean {
    if (ok) this.evidence.push(line);
    else {
      this.problems.push(line);
      this.evidence.push(`✗ ${line}`);
    }
    return ok;
  }

  fail(line: string): void {
    this.expect(false, line);
  }

  result(passSummary: string): CheckResult {
    if (this.problems.length === 0) {
      return { id: this.id, status: "pass", summary: passSummary, evidence: this.evidence };
    }
    return {
      id: this.id,
      status: "fail",
      summary: this.problems.join("; "),
      evidence: this.evidence,
    };
  }
}

/** The message of anything thrown, on one line. */
export function reasonOf(error: unknown): string {
  return oneLine(messageOf(error));
}

/** `0x1234…abcd`: long hex shortened for summaries (evidence lines keep full values). */
export function short(hex: string): string {
  return hex.length > 18 ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : hex;
}
