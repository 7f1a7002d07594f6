import { task, types } from "hardhat/config";
import type { DeployTaskArgs } from "./args";
import { runTask } from "./runner";

/** For hardhat.config.ts's `networks` (one import registers the task and brings these). */
export { deployerAccounts, rpcUrl } from "./networkVars";

/**
 * `npx hardhat pkp:deploy --network <name>`: deploys and wires the PKP stack through the Ignition
 * module and writes `deployments/<network>.json` (see docs/DEPLOY.md).
 *
 * This file is imported by hardhat.config.ts, so it must load before anything is compiled: the
 * implementation (typechain handles, the Ignition module) is imported only when the task runs,
 * after compiling (tasks/runner.ts).
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
  .setAction((args: DeployTaskArgs, hre) =>
    runTask({
      name: "pkp:deploy",
      hre,
      noCompile: args.noCompile,
      load: () => import("./deployAction"),
      run: (impl) => impl.deploy(args, hre),
    }),
  );
