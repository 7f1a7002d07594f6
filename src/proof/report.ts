/** The verifier's report, for people (text) and for programs (JSON: the same data). */
import type { CheckId, CheckResult, VerificationReport } from "./verification";

export const CHECK_TITLES: Record<CheckId, string> = {
  contracts: "contracts",
  key: "key",
  code: "code",
  grants: "grants",
  "one-transaction": "one transaction",
  signatures: "signatures",
  reproduction: "reproduction",
};

const MARK = { pass: "✓", fail: "✗", skip: "–" } as const;

function checkLines(check: CheckResult, width: number, withEvidence: boolean): string[] {
  const title = CHECK_TITLES[check.id].padEnd(width);
  const lines = [`${MARK[check.status]} ${title}  ${check.summary}`];
  if (withEvidence) {
    for (const line of check.evidence) lines.push(`    ${line}`);
  }
  return lines;
}

/** The closing verdict, one line. */
export function verdictLine(report: VerificationReport): string {
  const failed = report.checks.filter((c) => c.status === "fail");
  const skipped = report.checks.filter((c) => c.status === "skip");
  const ran = report.checks.length - skipped.length;
  const notRun =
    skipped.length === 0 ? "" : ` (not run: ${skipped.map((c) => CHECK_TITLES[c.id]).join(", ")})`;
  if (failed.length === 0) return `PROOF VERIFIED: all ${ran} checks passed${notRun}`;
  return (
    `PROOF REJECTED: ${failed.length} of ${ran} checks failed: ` +
    `${failed.map((c) => CHECK_TITLES[c.id]).join(", ")}${notRun}`
  );
}

/** One line per check (✓ pass, ✗ fail, – not run) with its evidence indented below. */
export function renderReport(
  report: VerificationReport,
  opts: { evidence?: boolean; source?: string } = {},
): string {
  const width = Math.max(...Object.values(CHECK_TITLES).map((t) => t.length));
  const lines = [
    `Proof${opts.source === undefined ? "" : ` ${opts.source}`}: PKP ${report.tokenId}`,
    `  chain ${report.chainId}, read at block ${report.block}; action ${report.ipfsId}; ` +
      `mint tx ${report.mintTxHash}`,
    "",
  ];
  for (const check of report.checks) lines.push(...checkLines(check, width, opts.evidence ?? true));
  lines.push("", verdictLine(report));
  return lines.join("\n");
}

/** The same data as the text report, as JSON. */
export function reportToJson(report: VerificationReport): string {
  return JSON.stringify(report, null, 2);
}
