// Mocha's spec reporter plus, at the end, the wall time of each test file (its top-level suites
// summed, hooks included), slowest first. CI's budget is spent file by file; this shows where.
// Chosen in hardhat.config.ts (`mocha.reporter`); TEST_FILE_TIMES=0 turns the table off.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Mocha from "mocha";

const { Spec } = Mocha.reporters;
const { EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_RUN_END } = Mocha.Runner.constants;

/** How many files the table lists (the rest are summed in one line). */
const LISTED = 20;

class FileTimesReporter extends Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const started = new Map<Mocha.Suite, number>();
    const perFile = new Map<string, number>();
    // In parallel mode the workers time their files (test/support/parallelHooks.ts) into this
    // file; the environment is set before the worker processes start, so they inherit it.
    // `isParallelMode` is on both runners (mocha 8+) but missing from @types/mocha.
    const parallel = (runner as { isParallelMode?: () => boolean }).isParallelMode?.() === true;
    const timesFile = path.join(os.tmpdir(), `mocha-file-times-${process.pid}.jsonl`);
    if (parallel) process.env.TEST_FILE_TIMES_FILE = timesFile;
    runner.on(EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
      if (suite.parent?.root === true) started.set(suite, Date.now());
    });
    runner.on(EVENT_SUITE_END, (suite: Mocha.Suite) => {
      const begun = started.get(suite);
      if (begun === undefined) return;
      const file = path.relative(process.cwd(), suite.file ?? "(no file)");
      perFile.set(file, (perFile.get(file) ?? 0) + (Date.now() - begun));
    });
    runner.once(EVENT_RUN_END, () => {
      if (parallel) {
        for (const { file, ms } of readTimes(timesFile)) {
          const name = path.relative(process.cwd(), file);
          perFile.set(name, (perFile.get(name) ?? 0) + ms);
        }
      }
      if (process.env.TEST_FILE_TIMES === "0" || perFile.size === 0) return;
      const rows = [...perFile].sort((a, b) => b[1] - a[1]);
      const total = rows.reduce((sum, [, ms]) => sum + ms, 0);
      const totalLabel = parallel ? "all test files (summed over workers)" : "all test files";
      const width = Math.min(
        72,
        Math.max(totalLabel.length, ...rows.slice(0, LISTED).map(([file]) => file.length)),
      );
      const line = (name: string, ms: number) =>
        `  ${name.padEnd(width)}  ${(ms / 1000).toFixed(1).padStart(7)} s  ${((100 * ms) / total).toFixed(0).padStart(3)} %`;
      console.log("\n── test files by wall time ──");
      for (const [file, ms] of rows.slice(0, LISTED)) console.log(line(file, ms));
      const rest = rows.slice(LISTED);
      if (rest.length > 0) {
        console.log(
          line(
            `${rest.length} other files`,
            rest.reduce((sum, [, ms]) => sum + ms, 0),
          ),
        );
      }
      console.log(line(totalLabel, total));
    });
  }
}

/** The workers' lines (one JSON object per file), then the file is removed. */
function readTimes(file: string): { file: string; ms: number }[] {
  let text = "";
  try {
    text = fs.readFileSync(file, "utf8");
    fs.rmSync(file, { force: true });
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as { file: string; ms: number });
}

export = FileTimesReporter;
