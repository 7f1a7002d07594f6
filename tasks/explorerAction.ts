/**
 * pkp:explorer's implementation (tasks/explorer.ts registers it): starts the explorer service and
 * serves until SIGINT/SIGTERM. Imported after compiling: the service ships this checkout's
 * compiled contracts with the page.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { startExplorerService } from "../src/explorer/service";
import type { ExplorerTaskArgs } from "./args";
import { contractArtifacts, deploymentsDirOf } from "./project";
import { ExplorerTaskError } from "./taskErrors";
import { untilSignal } from "./untilSignal";

export async function serveExplorer(
  args: ExplorerTaskArgs,
  hre: HardhatRuntimeEnvironment,
  rpcUrl: string,
): Promise<void> {
  const server = await startExplorerService({
    network: hre.network.name,
    rpcUrl,
    artifacts: contractArtifacts(hre),
    deploymentsDir: deploymentsDirOf(hre, args.deploymentsDir),
    oracleUrl: args.oracle,
    host: args.host,
    port: args.port,
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EADDRINUSE" && error.code !== "EADDRNOTAVAIL") throw error;
    throw new ExplorerTaskError(
      "PORT_IN_USE",
      error.code === "EADDRINUSE"
        ? `${args.host}:${args.port} is in use: pass another --port (0 picks a free one)`
        : `cannot listen on ${args.host}: it is not an address of this machine (--host)`,
      { cause: error },
    );
  });

  await untilSignal(() => server.close());
  console.log("▸ Explorer stopped");
}
