import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ExplorerTaskArgs } from "./args";
import { missingNetworkVarsOf } from "./networkVars";
import { runTask } from "./runner";
import { ExplorerTaskError } from "./taskErrors";

/**
 * `npx hardhat pkp:explorer --network <name> [--host 127.0.0.1] [--port 8788] [--oracle <url>]`:
 * serves the explorer page (PKPs, grants, burns, actions, proofs checked in the browser) for the
 * deployment of `deployments/<network>.json` (docs/EXPLORER.md). Runs until SIGINT/SIGTERM.
 *
 * hardhat.config.ts imports this file before anything is compiled: it checks the options, then
 * the implementation (tasks/explorerAction.ts: the server, the page's build, the compiled
 * contracts it ships) is imported after compiling (tasks/runner.ts).
 */
task("pkp:explorer", "Serves the explorer page for deployments/<network>.json on localhost")
  .addOptionalParam("host", "Interface to listen on", "127.0.0.1", types.string)
  .addOptionalParam("port", "Port to listen on (0: any free port)", 8788, types.int)
  .addOptionalParam(
    "oracle",
    "pkp:oracle's URL, to show actions' code (e.g. http://127.0.0.1:8787); none by default",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "deploymentsDir",
    "Directory of the deployment records (default: deployments/)",
    undefined,
    types.string,
  )
  .setAction((args: ExplorerTaskArgs, hre) =>
    runTask({
      name: "pkp:explorer",
      hre,
      prepare: () => checkExplorerTask(args, hre),
      load: () => import("./explorerAction"),
      run: (impl, rpcUrl) => impl.serveExplorer(args, hre, rpcUrl),
    }),
  );

/** What can be checked before compiling; resolves to the network's RPC URL. */
function checkExplorerTask(args: ExplorerTaskArgs, hre: HardhatRuntimeEnvironment): string {
  const network = hre.network.name;
  if (network === "hardhat" || !("url" in hre.network.config)) {
    // The in-process chain lives and dies with this command: nothing is deployed on it.
    throw new ExplorerTaskError(
      "UNSUITABLE_NETWORK",
      "the explorer needs a chain it can reach over HTTP; --network hardhat is this process's own " +
        "in-memory chain. Start one with `npx hardhat node --hostname 127.0.0.1`, deploy with " +
        "`npx hardhat pkp:deploy --network localhost`, then run " +
        "`npx hardhat pkp:explorer --network localhost`",
    );
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65_535) {
    throw new ExplorerTaskError(
      "INVALID_OPTION",
      `--port ${args.port} is not a TCP port (0-65535)`,
    );
  }
  if (args.oracle !== undefined) {
    let url: URL;
    try {
      url = new URL(args.oracle);
    } catch {
      throw new ExplorerTaskError(
        "INVALID_OPTION",
        `--oracle ${args.oracle} is not a URL (e.g. http://127.0.0.1:8787)`,
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ExplorerTaskError(
        "INVALID_OPTION",
        `--oracle ${args.oracle} is not an http(s) URL`,
      );
    }
  }
  // Only the RPC URL matters: the explorer reads, so it needs no deployer key.
  const missingUrl = missingNetworkVarsOf(hre).filter((problem) => problem.includes("RPC URL"));
  if (missingUrl.length > 0) throw new ExplorerTaskError("MISSING_CONFIG", missingUrl.join("\n"));
  return hre.network.config.url;
}
