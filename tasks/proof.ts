import { task, types } from "hardhat/config";
import type { ExecuteTaskArgs, MintGrantBurnTaskArgs, VerifyProofTaskArgs } from "./args";
import { runTask } from "./runner";

/**
 * The proof tasks (docs/PROOFS.md):
 *   npx hardhat pkp:mint-grant-burn --action <file.js> [--oracle <url>] --network <name>
 *   npx hardhat pkp:execute --action <file.js> --pkp <tokenId> --params '<json>' --out <proof.json> [--oracle <url>] --network <name>
 *   npx hardhat pkp:verify-proof --proof <file> [--json] [--reexecute] --network <name>
 *
 * hardhat.config.ts imports this file before anything is compiled: the implementations (which
 * need typechain types) are imported only when a task runs, after compiling (tasks/runner.ts).
 */
const ORACLE_HELP =
  "The signing oracle's URL (default: http://127.0.0.1:8787, pkp:oracle's default)";
const loadProofActions = () => import("./proofActions");

/** Exit codes of the proof tasks: 1 the proof was rejected (pkp:verify-proof), 2 any failure. */
export const EXIT_REJECTED = 1;
export const EXIT_ERROR = 2;
const DEPLOYMENTS_HELP = "Directory of the deployment records (default: deployments/)";

task(
  "pkp:mint-grant-burn",
  "Mints a PKP, grants it one Lit Action and burns it, in one transaction",
)
  .addParam("action", "The Lit Action's file (.js)", undefined, types.string)
  .addOptionalParam("oracle", ORACLE_HELP, undefined, types.string)
  .addOptionalParam("deploymentsDir", DEPLOYMENTS_HELP, undefined, types.string)
  .setAction((args: MintGrantBurnTaskArgs, hre) =>
    runTask({
      name: "pkp:mint-grant-burn",
      hre,
      load: loadProofActions,
      run: (impl) => impl.mintGrantBurn(args, hre),
      failureExitCode: EXIT_ERROR,
    }),
  );

task("pkp:execute", "Runs a Lit Action through the oracle with a PKP and writes a proof bundle")
  .addParam("action", "The Lit Action's file (.js)", undefined, types.string)
  .addParam("pkp", "The PKP's token id (decimal or 0x-hex)", undefined, types.string)
  .addOptionalParam(
    "params",
    "jsParams as a JSON object; the PKP's publicKey is added unless given",
    "{}",
    types.string,
  )
  .addParam("out", "Where to write the proof bundle (.json)", undefined, types.string)
  .addOptionalParam("oracle", ORACLE_HELP, undefined, types.string)
  .addOptionalParam("deploymentsDir", DEPLOYMENTS_HELP, undefined, types.string)
  .setAction((args: ExecuteTaskArgs, hre) =>
    runTask({
      name: "pkp:execute",
      hre,
      load: loadProofActions,
      run: (impl) => impl.executeAndWriteProof(args, hre),
      failureExitCode: EXIT_ERROR,
    }),
  );

task(
  "pkp:verify-proof",
  "Checks a proof bundle against the chain and prints every check's evidence",
)
  .addParam("proof", "The proof bundle (.json)", undefined, types.string)
  .addFlag("json", "Print the report as JSON (progress goes to stderr)")
  .addFlag("reexecute", "Also run the action again and compare digests and response")
  .addOptionalParam(
    "logChunkBlocks",
    "Blocks per eth_getLogs request (default 5000; lower it for strict RPC endpoints)",
    undefined,
    types.int,
  )
  .addFlag("noCompile", "Don't compile before verifying")
  .setAction((args: VerifyProofTaskArgs, hre) =>
    runTask({
      name: "pkp:verify-proof",
      hre,
      // The verifier compares the chain with this checkout's artifacts, hence the compile; its
      // output goes to stderr so that stdout holds only the report (pure JSON with --json).
      noCompile: args.noCompile,
      compileOutputToStderr: true,
      load: loadProofActions,
      run: async (impl) => {
        const report = await impl.verifyProofTask(args, hre);
        if (!report.ok) process.exitCode = EXIT_REJECTED;
      },
      json: args.json,
      failureExitCode: EXIT_ERROR,
    }),
  );
