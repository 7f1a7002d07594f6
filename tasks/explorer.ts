import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { CodedError } from "../src/codedError";
import { compileThenLoad } from "./compileFirst";

/**
 * `npx hardhat pkp:explorer --network <name> [--host 127.0.0.1] [--port 8788] [--oracle <url>]`:
 * serves the explorer page (PKPs, grants, burns, actions, proofs checked in the browser) for the
 * deployment of `deployments/<network>.json` (docs/EXPLORER.md). Runs until SIGINT/SIGTERM.
 *
 * hardhat.config.ts imports this file before anything is compiled: the implementation (the
 * server, the page's build, the compiled contracts it ships) is loaded after compiling.
 */
export interface ExplorerTaskArgs {
  host: string;
  port: number;
  oracle?: string;
  deploymentsDir?: string;
}

export type ExplorerTaskErrorCode =
  /** A flag's value is not usable (port, oracle URL). */
  | "INVALID_ARGUMENT"
  /** The network cannot be served: the in-process chain, or its RPC URL is not set. */
  | "NETWORK_NOT_SERVABLE"
  /** Something else listens on --port. */
  | "PORT_IN_USE";

/** A mistake of the user's or of the environment: one line on stderr, exit code 1. */
export class ExplorerTaskError extends CodedError<ExplorerTaskErrorCode> {}

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
  .setAction(async (args: ExplorerTaskArgs, hre) => {
    try {
      await runExplorer(args, hre);
    } catch (error) {
      // The project's typed refusals (CodedError: a deployment record, the page's build, these
      // arguments) are the user's to fix; anything else is a bug.
      const expected = error instanceof CodedError;
      if (!expected && hre.hardhatArguments.showStackTraces) throw error;
      const message = error instanceof Error ? error.message : String(error);
      for (const line of message.split("\n")) console.error(`pkp:explorer: ${line}`);
      if (!expected) console.error("pkp:explorer: (unexpected: run with --show-stack-traces)");
      process.exitCode = 1;
    }
  });

function checkArgs(args: ExplorerTaskArgs): void {
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65_535) {
    throw new ExplorerTaskError(
      "INVALID_ARGUMENT",
      `--port ${args.port} is not a TCP port (0-65535)`,
    );
  }
  if (args.oracle !== undefined) {
    let url: URL;
    try {
      url = new URL(args.oracle);
    } catch {
      throw new ExplorerTaskError(
        "INVALID_ARGUMENT",
        `--oracle ${args.oracle} is not a URL (e.g. http://127.0.0.1:8787)`,
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ExplorerTaskError(
        "INVALID_ARGUMENT",
        `--oracle ${args.oracle} is not an http(s) URL`,
      );
    }
  }
}

async function runExplorer(args: ExplorerTaskArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  const network = hre.network.name;
  if (network === "hardhat" || !("url" in hre.network.config)) {
    // The in-process chain lives and dies with this command: nothing is deployed on it.
    throw new ExplorerTaskError(
      "NETWORK_NOT_SERVABLE",
      "the explorer needs a chain it can reach over HTTP; --network hardhat is this process's own " +
        "in-memory chain. Start one with `npx hardhat node --hostname 127.0.0.1`, deploy with " +
        "`npx hardhat pkp:deploy --network localhost`, then run " +
        "`npx hardhat pkp:explorer --network localhost`",
    );
  }
  checkArgs(args);
  const { missingNetworkVars } = await import("./networkVars");
  const missingUrl = missingNetworkVars(network).filter((problem) => problem.includes("RPC URL"));
  if (missingUrl.length > 0) {
    throw new ExplorerTaskError("NETWORK_NOT_SERVABLE", missingUrl.join("\n"));
  }

  const impl = await compileThenLoad("pkp:explorer", hre, () => import("../src/explorer/service"));
  if (impl === undefined) return;
  const service = await impl
    .startExplorerService({
      network,
      rpcUrl: hre.network.config.url,
      artifacts: hre.artifacts,
      deploymentsDir: args.deploymentsDir,
      oracleUrl: args.oracle,
      host: args.host,
      port: args.port,
    })
    .catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EADDRINUSE" && error.code !== "EADDRNOTAVAIL") throw error;
      throw new ExplorerTaskError(
        "PORT_IN_USE",
        error.code === "EADDRINUSE"
          ? `${args.host}:${args.port} is in use: pass another --port (0 picks a free one)`
          : `cannot listen on ${args.host}: it is not an address of this machine (--host)`,
        { cause: error },
      );
    });

  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      console.log(`▸ ${signal}: stopping`);
      service.close().then(resolve, resolve);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  console.log("▸ Explorer stopped");
}
