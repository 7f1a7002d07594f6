import { task, types } from "hardhat/config";

/**
 * The proof tasks (docs/PROOFS.md):
 *   npx hardhat pkp:mint-grant-burn --action <file.js> [--oracle <url>] --network <name>
 *   npx hardhat pkp:execute --action <file.js> --pkp <tokenId> --params '<json>' --out <proof.json> [--oracle <url>] --network <name>
 *   npx hardhat pkp:verify-proof --proof <file> [--json] [--reexecute] --network <name>
 *
 * hardhat.config.ts imports this file before anything is compiled: the implementations (which
 * need typechain types) are imported only when a task runs.
 */
const ORACLE_HELP =
  "The signing oracle's URL (default: http://127.0.0.1:8787, pkp:oracle's default)";
const DEPLOYMENTS_HELP = "Directory of the deployment records (default: deployments/)";

task(
  "pkp:mint-grant-burn",
  "Mints a PKP, grants it one Lit Action and burns it, in one transaction",
)
  .addParam("action", "The Lit Action's file (.js)", undefined, types.string)
  .addOptionalParam("oracle", ORACLE_HELP, undefined, types.string)
  .addOptionalParam("deploymentsDir", DEPLOYMENTS_HELP, undefined, types.string)
  .setAction(async (args: MintGrantBurnTaskArgs, hre) => {
    const { runProofTask, mintGrantBurn } = await import("./proofActions");
    await runProofTask("pkp:mint-grant-burn", hre, () => mintGrantBurn(args, hre));
  });

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
  .setAction(async (args: ExecuteTaskArgs, hre) => {
    const { runProofTask, executeAndWriteProof } = await import("./proofActions");
    await runProofTask("pkp:execute", hre, () => executeAndWriteProof(args, hre));
  });

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
  .setAction(async (args: VerifyProofTaskArgs, hre) => {
    const { runProofTask, verifyProofTask } = await import("./proofActions");
    await runProofTask("pkp:verify-proof", hre, () => verifyProofTask(args, hre), {
      json: args.json,
    });
  });

export interface MintGrantBurnTaskArgs {
  action: string;
  oracle?: string;
  deploymentsDir?: string;
}

export interface ExecuteTaskArgs {
  action: string;
  pkp: string;
  params: string;
  out: string;
  oracle?: string;
  deploymentsDir?: string;
}

export interface VerifyProofTaskArgs {
  proof: string;
  json: boolean;
  reexecute: boolean;
  logChunkBlocks?: number;
  noCompile: boolean;
}
