import { HardhatUserConfig, subtask, vars } from "hardhat/config";
import {
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  TASK_COMPILE_SOLIDITY_RUN_SOLCJS,
  TASK_TEST_GET_TEST_FILES,
} from "hardhat/builtin-tasks/task-names";
import type { SolcBuild } from "hardhat/types";
import "@nomicfoundation/hardhat-toolbox";
// The pkp:* tasks and hre.pkp: the entry users import as "<package>/hardhat" (plugin/index.ts).
import "./plugin";
import { deployerAccounts, rpcUrl } from "./tasks/networkVars";
import { cachedSolcOutput, solcCacheDir, type SolcOutput } from "./tasks/solcOutputCache";
import { inGroup, slowFirst, testGroup } from "./test/support/testOrder";

// Hardhat 2 downloads native solc from a host this machine cannot reach. We compile with the
// WASM build shipped in the npm `solc` package instead (Hardhat's documented "custom solc"
// recipe). Only this one version is available: every contract pins exactly this version.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a JSON file read at config load
const SOLC_VERSION = (require("solc/package.json") as { version: string }).version;

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(
  async (args: { solcVersion: string }, _hre, runSuper): Promise<SolcBuild> => {
    if (args.solcVersion !== SOLC_VERSION) return (await runSuper(args)) as SolcBuild;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when compiling (a big WASM build)
    const solc = require("solc") as { version(): string };
    return {
      compilerPath: require.resolve("solc/soljson.js"),
      isSolcJs: true,
      version: args.solcVersion,
      longVersion: solc.version().replace(/\.Emscripten.*$/, ""),
    };
  },
);

// The same sources compile to the same output: a fresh clone or worktree reuses it instead of
// spending the WASM compiler's minute again (tasks/solcOutputCache.ts; PKP_SOLC_CACHE=0: off).
subtask(TASK_COMPILE_SOLIDITY_RUN_SOLCJS).setAction(
  async (args: { input: unknown; solcJsPath: string }, _hre, runSuper): Promise<SolcOutput> => {
    const compile = () => runSuper(args) as Promise<SolcOutput>;
    if (args.solcJsPath !== require.resolve("solc/soljson.js")) return compile();
    return cachedSolcOutput(solcCacheDir(), `solcjs ${SOLC_VERSION}`, args.input, compile);
  },
);

// Slow end-to-end test files first, so that in parallel mode none runs alone at the end; with
// TEST_GROUP, the latency suites apart (test/support/testOrder.ts).
subtask(TASK_TEST_GET_TEST_FILES).setAction(async (args, hre, runSuper) => {
  const root = hre.config.paths.root;
  return slowFirst(inGroup((await runSuper(args)) as string[], root, testGroup()), root);
});

// `npm run coverage:sol` runs two `hardhat coverage` processes at once (scripts/coverage-sol.ts,
// PKP_COVERAGE_SHARD=a|b). Each compiles its instrumented contracts into folders of its own:
// solidity-coverage would otherwise write artifacts/ and cache/, which the other shard and CI's
// deep property tier (beside it) read. Only shard a regenerates typechain-types (the same files
// for both: the instrumented build is the same).
const coverageShard = process.env.PKP_COVERAGE_SHARD;

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      viaIR: true,
      evmVersion: "cancun",
    },
  },
  // RPC URLs and the deployer key are Hardhat configuration variables (`npx hardhat vars set NAME`,
  // or the environment variable HARDHAT_VAR_NAME). They are read lazily: a missing one only
  // matters when its network is used, and `pkp:deploy` then names it (tasks/networkVars.ts).
  networks: {
    hardhat: {},
    localhost: { url: rpcUrl("localhost") },
    sepolia: { url: rpcUrl("sepolia"), chainId: 11155111, accounts: deployerAccounts() },
    yellowstone: { url: rpcUrl("yellowstone"), chainId: 175188, accounts: deployerAccounts() },
  },
  // `npx hardhat verify --network sepolia <address> <constructor args…>` (see README "Deploying").
  etherscan: { apiKey: vars.has("ETHERSCAN_API_KEY") ? vars.get("ETHERSCAN_API_KEY") : "" },
  gasReporter: { enabled: process.env.REPORT_GAS === "true", offline: true, noColors: true },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
    dontOverrideCompile: coverageShard !== undefined && coverageShard !== "a",
  },
  ...(coverageShard === undefined
    ? {}
    : {
        paths: {
          artifacts: `.coverage_artifacts_${coverageShard}`,
          cache: `.coverage_cache_${coverageShard}`,
        },
      }),
  // The spec reporter plus a table of test files by wall time (test/support/fileTimesReporter.ts).
  // `npm run test:mocha` runs files in two worker processes (`--parallel`, one per core); each
  // worker loads Hardhat first, then the hook that times its files.
  mocha: {
    timeout: 120_000,
    reporter: "test/support/fileTimesReporter.ts",
    jobs: 2,
    require: ["hardhat/register", "test/support/parallelHooks.ts"],
  },
};

export default config;
