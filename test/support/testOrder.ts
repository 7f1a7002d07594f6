// The order in which `hardhat test` takes its files: the slow end-to-end suites first, then the
// rest as Hardhat lists them. In parallel mode (two workers) a slow file started last would run
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
  "test/explorer/explorer.browser.test.ts",
  "test/oracle/availability/",
  "test/tasks/oracle.test.ts",
  "test/oracle/provisioning/provisioningCrash.test.ts",
  "test/properties/",
  "test/oracle/load/",
  "test/tasks/",
  "test/proof/demo.test.ts",
];

export function slowFirst(files: readonly string[], root: string): string[] {
  const rank = (file: string): number => {
    const relative = path.relative(root, file).split(path.sep).join("/");
    const index = SLOW_FIRST.findIndex((prefix) => relative.startsWith(prefix));
    return index === -1 ? SLOW_FIRST.length : index;
  };
  // Array.prototype.sort is stable: files of one rank keep Hardhat's order.
  return [...files].sort((a, b) => rank(a) - rank(b));
}
