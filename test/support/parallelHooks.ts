// Loaded in each worker process of mocha's parallel mode (`npm run test:mocha`) through
// `mocha.require` in hardhat.config.ts.
//
// Its root hooks run once per file (a worker runs one test file per root suite): the file's wall
// time is appended to the file the reporter named, because the events of a file reach the main
// process only after it ends and the reporter cannot time files itself
// (test/support/fileTimesReporter.ts).
//
// Under c8 (NODE_V8_COVERAGE), SIGTERM ends the worker by process.exit, so that Node writes its
// coverage. When the run is done mocha asks its workers to exit, and sends SIGTERM to any still
// running a second later; a worker still writing its coverage then (the ~10 MB of every script
// it loaded: a few hundred ms, more under load) died without it. With a handler, a SIGTERM that
// comes during the write is never delivered (the event loop has stopped) and one that comes
// before exits the same way. (Before, each worker wrote its coverage after every file instead:
// 86 writes, 884 MiB of the run's 1.9 GB, all parsed by c8 at the end.)
import fs from "node:fs";
import type { Context } from "mocha";

if (process.env.NODE_V8_COVERAGE !== undefined) {
  process.on("SIGTERM", () => process.exit(128 + 15));
}

let started = 0;

export const mochaHooks = {
  beforeAll(this: Context): void {
    started = Date.now();
  },
  afterAll(this: Context): void {
    const out = process.env.TEST_FILE_TIMES_FILE;
    const file = this.test?.parent?.suites[0]?.file;
    if (out === undefined || file === undefined) return;
    fs.appendFileSync(out, `${JSON.stringify({ file, ms: Date.now() - started })}\n`);
  },
};
