import { HardhatUserConfig, subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { SolcBuild } from "hardhat/types";
import "@nomicfoundation/hardhat-toolbox";
// The PKP stack: the pkp:* tasks and hre.pkp (deploy, fixture, startOracle, mintGrantAndBurn, …).
import "lit-pkp-local/hardhat";

// Offline only: compile with the WASM solc of the npm `solc` package instead of downloading a
// native one. With internet access, delete this block (and `solc` from package.json).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const SOLC_VERSION = (require("solc/package.json") as { version: string }).version;
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(
  async (args: { solcVersion: string }, _hre, runSuper): Promise<SolcBuild> => {
    if (args.solcVersion !== SOLC_VERSION) return (await runSuper(args)) as SolcBuild;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const solc = require("solc") as { version(): string };
    return {
      compilerPath: require.resolve("solc/soljson.js"),
      isSolcJs: true,
      version: args.solcVersion,
      longVersion: solc.version().replace(/\.Emscripten.*$/, ""),
    };
  },
);

// This project's own compiler settings (no optimizer, no via-IR). They apply to PrimeRegistry
// only: the PKP contracts are deployed from the package's own artifacts, never recompiled.
const config: HardhatUserConfig = {
  solidity: SOLC_VERSION,
};

export default config;
