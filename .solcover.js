// solidity-coverage settings for `npm run coverage:sol` (the gate is scripts/coverage-gate.ts).
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
  // Instrumented contracts run several times slower than the real ones, and in CI this stage
  // shares the machine with the deep property tier: a test that takes 20 s normally can pass
  // hardhat.config.ts's 120 s here. Timeouts guard against hangs, not slowness.
  //
  // Left out here (they run in npm test): the burned-PKP behaviour's rejection of every mutator
  // by four more callers. They take the same path through the contracts as the rejection by the
  // last owner, which stays (the revert is the mutator's first check, whoever calls), and cost
  // ~15 s each instrumented: a minute of the stage for no line or branch.
  mocha: {
    timeout: 600_000,
    grep: "rejects every permission change by (an operator of the last owner|the owner of PKPNFT and the router|a stranger|PKPNFT itself) with NonexistentPKP",
    invert: true,
  },
};
