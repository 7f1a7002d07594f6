// Root hooks for mocha's parallel mode (`npm run test:mocha`), loaded in each worker process
// through `mocha.require` in hardhat.config.ts. A worker runs one test file per root suite, so
// these run once per file:
// - the file's wall time is appended to the file the reporter named: the events of a file reach
//   the main process only after it ends, so the reporter cannot time files itself
//   (test/support/fileTimesReporter.ts);
// - under c8 (NODE_V8_COVERAGE), the coverage gathered so far is written out: mocha ends its
//   workers by a signal, and a process ended so never writes its coverage.
import fs from "node:fs";
import v8 from "node:v8";
import type { Context } from "mocha";

let started = 0;

export const mochaHooks = {
  beforeAll(this: Context): void {
    started = Date.now();
  },
  afterAll(this: Context): void {
    if (process.env.NODE_V8_COVERAGE !== undefined) v8.takeCoverage();
    const out = process.env.TEST_FILE_TIMES_FILE;
    const file = this.test?.parent?.suites[0]?.file;
    if (out === undefined || file === undefined) return;
    fs.appendFileSync(out, `${JSON.stringify({ file, ms: Date.now() - started })}\n`);
  },
};
