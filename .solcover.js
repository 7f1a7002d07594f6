// solidity-coverage settings for `npm run coverage:sol` (the gate is scripts/coverage-gate.ts).
// Left out of the instrumented run (they all run, uninstrumented, in npm test): tests that add no
// statement, branch, line or function to what the others reach, and cost the most instrumented.
// Measured by recording each test's instrumentation hits over the whole run (2026-12-06); with
// the suites scripts/coverage-sol.ts leaves out, 378 of the 605 tests run, in 213 of the 800 s,
// and the merged report is the same. If the gate fails after a change to the contract suites,
// check with everything in: PKP_COVERAGE_ALL=1 npm run coverage:sol.
const LEFT_OUT = new RegExp(
  [
    // The burned-PKP behaviour (test/helpers/behaviours.ts) on PKPs burned by mintGrantAndBurnNext
    // and by their owner: each mutator's first check reverts with NonexistentPKP, as it does in
    // PKPPermissions' tests of unminted tokens; the views read the storage other tests read.
    "^PKPNFT\\.mintGrantAndBurnNext after it ",
    "a PKP burned by its owner after a burn ",
    // Scope listings over 1,000+ ids and repeated re-adds: the same loop body and the same slots
    // as the smaller listings of the other scope tests.
    "lists scopes below maxScopeId",
    "clears .* on removal: a re-add",
    "treats a duplicate add as idempotent",
    "keeps scopes per PKP",
    "over a packed list of 3 words",
    "keeps scopes 127 and 128",
    "clears the scopes also when the method is removed by a batch",
    // One scope added and removed, for each of fourteen ids: the inline and overflow paths the
    // other scope tests take.
    "adds and removes scope ",
    // The reverse index's order under removals: the moves the method store's suite makes too.
    "keeps getTokenIdsForAuthMethod in EnumerableSet order",
    // Draining the pool mints every key: the mint path of the other mint tests, many times.
    "never mints the id again, even when the pool is drained",
  ].join("|"),
);

module.exports = {
  // Test doubles and attacker contracts are not part of what we ship: they are not measured.
  skipFiles: ["test/"],
  // The project compiles with viaIR. The instrumented sources hit "stack too deep" without the
  // Yul optimizer's stack allocation (irMinimum fails in OpenZeppelin's MerkleProof), so keep
  // the optimizer on with the Yul optimizer and stack allocation enabled.
  configureYulOptimizer: true,
  // json-summary is what the gate reads; text prints the per-file table in the log. Run as a shard
  // of `npm run coverage:sol` (scripts/coverage-sol.ts sets PKP_COVERAGE_SHARD), the raw data
  // goes to the shard's own folder and the script merges the shards and writes both reports.
  ...(process.env.PKP_COVERAGE_SHARD
    ? {
        istanbulFolder: `coverage/shards/${process.env.PKP_COVERAGE_SHARD}`,
        istanbulReporter: ["json"],
      }
    : { istanbulReporter: ["text", "json-summary"] }),
  // Instrumented contracts run many times slower than the real ones (solidity-coverage reads
  // every EVM step of every call in JavaScript), and in CI this stage shares the machine with the
  // deep property tier: a test that takes 20 s normally can pass hardhat.config.ts's 120 s here.
  // Timeouts guard against hangs, not slowness.
  mocha: {
    timeout: 600_000,
    ...(process.env.PKP_COVERAGE_ALL === "1" ? {} : { grep: LEFT_OUT, invert: true }),
  },
};
