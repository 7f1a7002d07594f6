// Which files `hardhat test` takes, and in what order.
//
// Order: the slow end-to-end suites first, then the rest as Hardhat lists them. In parallel mode (two workers) a slow file started last would run
// alone at the end; started first, it runs beside all the quick ones. The figures are from the
// table the reporter prints (test/support/fileTimesReporter.ts); keep the list to files that take
// more than about a minute on the CI machine.
import path from "node:path";

/** Path prefixes under the project root, slowest first. */
const SLOW_FIRST = [
  "test/tasks/freshClone.test.ts",
  "test/package/",
  "test/tasks/deploy.test.ts",
  "test/tasks/proof.test.ts",
  "test/actions/social/backend.e2e.test.ts",
  "test/explorer/explorer.browser.test.ts",
  "test/tasks/oracle.test.ts",
  "test/oracle/provisioning/provisioningCrash.test.ts",
  "test/properties/",
  "test/oracle/load/",
  "test/tasks/",
  "test/proof/demo.test.ts",
];

/**
 * Suites that measure latency under attack against bounds (docs/SECURITY.md), or whose runs
 * race time limits: beside another worker's CPU-heavy file they measure the machine, not the
 * oracle. `npm run test:mocha` runs
 * them on their own after the parallel run (TEST_GROUP=alone); TEST_GROUP=shared leaves them
 * out of the parallel run. Without TEST_GROUP every file runs (as `npx hardhat test` does).
 */
const RUN_ALONE = [
  "test/oracle/availability/",
  // Runs against tight time limits (500 ms–5 s): under the other worker's load a run that
  // should end in LIMIT_EXCEEDED or ACTION_MEMORY_LIMIT ends in ACTION_TIMEOUT first.
  "test/oracle/runtime/",
  "test/oracle/attacks/resources.test.ts",
  "test/oracle/provisioning/provisioning.test.ts",
];

export type TestGroup = "shared" | "alone" | undefined;

export function testGroup(value = process.env.TEST_GROUP): TestGroup {
  if (value === undefined || value === "") return undefined;
  if (value === "shared" || value === "alone") return value;
  throw new Error(`TEST_GROUP must be "shared" or "alone", got "${value}"`);
}

function relativePath(file: string, root: string): string {
  return path.relative(root, file).split(path.sep).join("/");
}

/** The files of one group (all files when `group` is undefined). */
export function inGroup(files: readonly string[], root: string, group: TestGroup): string[] {
  if (group === undefined) return [...files];
  return files.filter((file) => {
    const relative = relativePath(file, root);
    return RUN_ALONE.some((prefix) => relative.startsWith(prefix)) === (group === "alone");
  });
}

export function slowFirst(files: readonly string[], root: string): string[] {
  const rank = (file: string): number => {
    const relative = relativePath(file, root);
    const index = SLOW_FIRST.findIndex((prefix) => relative.startsWith(prefix));
    return index === -1 ? SLOW_FIRST.length : index;
  };
  // Array.prototype.sort is stable: files of one rank keep Hardhat's order.
  return [...files].sort((a, b) => rank(a) - rank(b));
}
