/**
 * Coverage gate for the Solidity contracts: reads solidity-coverage's istanbul summary
 * (coverage/coverage-summary.json, written by `npx hardhat coverage` with the json-summary
 * reporter set in .solcover.js) and fails when contracts/ — test doubles in contracts/test/
 * excluded — is below 100% lines, 100% functions or 95% branches. Prints the figures per contract
 * either way, and on failure what is missing.
 *
 * Usage: ts-node scripts/coverage-gate.ts [path/to/coverage-summary.json]
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { CodedError } from "../src/codedError";

/** Minimum coverage, in percent, of everything in contracts/ outside contracts/test/. */
export const THRESHOLDS = { lines: 100, functions: 100, branches: 95 } as const;
type Metric = keyof typeof THRESHOLDS;
const METRICS: readonly Metric[] = ["lines", "functions", "branches"];

interface Counts {
  total: number;
  covered: number;
}
type FileSummary = Record<Metric | "statements", Counts & { pct: number | string }>;

/** The coverage summary was missing or not what istanbul writes. */
export class CoverageSummaryError extends CodedError<"COVERAGE_SUMMARY_INVALID"> {
  constructor(message: string) {
    super("COVERAGE_SUMMARY_INVALID", message);
  }
}

const ROOT = path.resolve(__dirname, "..");
const CONTRACTS = path.join(ROOT, "contracts") + path.sep;
const EXCLUDED = path.join(ROOT, "contracts", "test") + path.sep;

export function readSummary(file: string): Record<string, FileSummary> {
  if (!existsSync(file)) {
    throw new CoverageSummaryError(
      `${file} not found: run \`npx hardhat coverage\` first (.solcover.js must list the ` +
        `"json-summary" istanbul reporter)`,
    );
  }
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (typeof parsed !== "object" || parsed === null || !("total" in parsed)) {
    throw new CoverageSummaryError(`${file} is not an istanbul coverage summary (no "total")`);
  }
  return parsed as Record<string, FileSummary>;
}

/** The measured contracts: files under contracts/, minus contracts/test/. */
export function gatedFiles(summary: Record<string, FileSummary>): [string, FileSummary][] {
  return Object.entries(summary).filter(([file]) => {
    const absolute = path.resolve(ROOT, file);
    return absolute.startsWith(CONTRACTS) && !absolute.startsWith(EXCLUDED);
  });
}

const pct = (c: Counts): number => (c.total === 0 ? 100 : (100 * c.covered) / c.total);
const fmt = (c: Counts): string => `${pct(c).toFixed(2)}% (${c.covered}/${c.total})`;

export interface GateResult {
  totals: Record<Metric, Counts>;
  failures: string[];
  report: string;
}

export function evaluate(files: [string, FileSummary][]): GateResult {
  if (files.length === 0) {
    throw new CoverageSummaryError("the summary lists no file under contracts/: wrong directory?");
  }
  const totals = Object.fromEntries(
    METRICS.map((m) => [
      m,
      files.reduce(
        (acc, [, s]) => ({ total: acc.total + s[m].total, covered: acc.covered + s[m].covered }),
        { total: 0, covered: 0 },
      ),
    ]),
  ) as Record<Metric, Counts>;

  // Interfaces have nothing to cover: they count (as zero) but are not listed.
  const measured = files.filter(([, s]) => METRICS.some((m) => s[m].total > 0));
  const rows = measured.map(([file, s]) => {
    const name = path.relative(ROOT, path.resolve(ROOT, file));
    return `  ${name.padEnd(44)} ${METRICS.map((m) => `${m} ${fmt(s[m])}`.padEnd(30)).join("")}`;
  });
  const failures = METRICS.filter((m) => pct(totals[m]) < THRESHOLDS[m]).map((m) => {
    const short = files
      .filter(([, s]) => s[m].covered < s[m].total)
      .map(([file, s]) => `${path.relative(ROOT, path.resolve(ROOT, file))} ${fmt(s[m])}`);
    return `${m}: ${fmt(totals[m])} < ${THRESHOLDS[m]}% (below 100%: ${short.join(", ")})`;
  });
  const report = [
    "Solidity coverage of contracts/ (contracts/test/ excluded):",
    ...rows,
    `  ${"all".padEnd(44)} ${METRICS.map((m) => `${m} ${fmt(totals[m])}`.padEnd(30)).join("")}`,
    `Thresholds: lines ${THRESHOLDS.lines}%, functions ${THRESHOLDS.functions}%, branches ${THRESHOLDS.branches}%`,
  ].join("\n");
  return { totals, failures, report };
}

function main(): void {
  const file = path.resolve(
    process.argv[2] ?? path.join(ROOT, "coverage", "coverage-summary.json"),
  );
  const result = evaluate(gatedFiles(readSummary(file)));
  console.log(result.report);
  if (result.failures.length > 0) {
    console.error(`Coverage gate FAILED:\n  ${result.failures.join("\n  ")}`);
    process.exitCode = 1;
    return;
  }
  console.log("Coverage gate passed.");
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exitCode = 1;
  }
}
