import { task, types } from "hardhat/config";
import { compileThenLoad } from "./compileFirst";

/** For hardhat.config.ts's `networks` (one import registers the task and brings these). */
export { deployerAccounts, rpcUrl } from "./networkVars";

/**
 * `npx hardhat pkp:deploy --network <name>`: deploys and wires the PKP stack through the Ignition
 * module and writes `deployments/<network>.json` (see docs/DEPLOY.md).
 *
 * This file is imported by hardhat.config.ts, so it must load before anything is compiled: the
 * implementation (typechain handles, the Ignition module) is imported only when the task runs,
 * after compiling (tasks/compileFirst.ts).
 */
task("pkp:deploy", "Deploys and wires the PKP stack, and writes deployments/<network>.json")
  .addOptionalParam(
    "keyProvider",
    "Address granted the key-provider role on PubkeyRouter (default: the deployer)",
    undefined,
    types.string,
  )
  .addOptionalParam("mintCost", "PKPNFT mint cost in wei (default: 1)", undefined, types.string)
  .addOptionalParam(
    "deploymentsDir",
    "Directory of the deployment records (default: deployments/); Ignition's journal then goes " +
      "to <dir>/ignition/",
    undefined,
    types.string,
  )
  .addFlag("noCompile", "Don't compile before deploying")
  .setAction(async (args: DeployTaskArgs, hre) => {
    const impl = await compileThenLoad("pkp:deploy", hre, () => import("./deployAction"), {
      noCompile: args.noCompile,
    });
    await impl?.runDeployTask(args, hre);
  });

export interface DeployTaskArgs {
  keyProvider?: string;
  mintCost?: string;
  deploymentsDir?: string;
  noCompile: boolean;
}
