import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { compileThenLoad } from "./compileFirst";

/**
 * `npx hardhat pkp:oracle --network <name> [--host 127.0.0.1] [--port 8787]`: runs the signing
 * oracle as an HTTP service against the contracts of `deployments/<network>.json` (see
 * docs/ORACLE.md, "HTTP service"). Runs until SIGINT/SIGTERM, then stops cleanly (exit 0).
 *
 * Like tasks/deploy.ts, this file is imported by hardhat.config.ts before anything is compiled:
 * the implementation (typechain handles, the oracle) is imported only when the task runs, after
 * compiling (tasks/compileFirst.ts).
 */

/** The configuration variable holding the keystore passphrase. */
export const ORACLE_PASSPHRASE = "ORACLE_PASSPHRASE";
/**
 * Used on `localhost` only, when ORACLE_PASSPHRASE is not set: a local chain's keys guard
 * nothing of value, and a fixed passphrase lets the keystore survive restarts without setup.
 */
export const DEV_PASSPHRASE = "lit-pkp-local-dev-passphrase (localhost only, not a secret)";
const DEV_NETWORKS = new Set(["localhost"]);

export interface OracleTaskArgs {
  host: string;
  port: number;
  dataDir?: string;
  keystoreDir?: string;
  deploymentsDir?: string;
  poolTarget: number;
  maxConcurrent: number;
}

export class OracleTaskError extends Error {
  override readonly name = "OracleTaskError";
}

task("pkp:oracle", "Runs the signing oracle as an HTTP service for deployments/<network>.json")
  .addOptionalParam("host", "Interface to listen on", "127.0.0.1", types.string)
  .addOptionalParam("port", "Port to listen on (0: any free port)", 8787, types.int)
  .addOptionalParam(
    "dataDir",
    "The oracle's data directory (default: .oracle/<network>): keystore in <dir>/keystore, " +
      "stored actions in <dir>/actions",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "keystoreDir",
    "The encrypted keystore's directory (default: <data-dir>/keystore)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "deploymentsDir",
    "Directory of the deployment records (default: deployments/)",
    undefined,
    types.string,
  )
  .addOptionalParam("poolTarget", "Unminted keys to keep in the router's pool", 10, types.int)
  .addOptionalParam(
    "maxConcurrent",
    "Requests worked on at once; more are refused with 503 BUSY",
    64,
    types.int,
  )
  .setAction(async (args: OracleTaskArgs, hre) => {
    try {
      await runOracle(args, hre);
    } catch (error) {
      const expected = error instanceof OracleTaskError || isKnownError(error);
      if (!expected && hre.hardhatArguments.showStackTraces) throw error;
      const message = error instanceof Error ? error.message : String(error);
      for (const line of message.split("\n")) console.error(`pkp:oracle: ${line}`);
      process.exitCode = 1;
    }
  });

/** Errors of the project's own modules carry a message that says what to do. */
function isKnownError(error: unknown): boolean {
  return (
    error instanceof Error &&
    /^(DeploymentError|Keystore\w*Error|WrongPassphraseError|\w*Provisioning\w*Error|NotKeyProviderError|NoSignerError)$/.test(
      error.name,
    )
  );
}

async function passphraseFor(network: string): Promise<string> {
  const { vars } = await import("hardhat/config");
  if (vars.has(ORACLE_PASSPHRASE)) {
    const value = vars.get(ORACLE_PASSPHRASE);
    if (value.length > 0) return value;
  }
  if (DEV_NETWORKS.has(network)) {
    console.warn(
      [
        "!".repeat(78),
        `! WARNING: ${ORACLE_PASSPHRASE} is not set; the keystore is encrypted with the public`,
        "! development passphrase. Fine for a local chain; never for keys that matter.",
        `! Set one: npx hardhat vars set ${ORACLE_PASSPHRASE}  (or HARDHAT_VAR_${ORACLE_PASSPHRASE}=…)`,
        "!".repeat(78),
      ].join("\n"),
    );
    return DEV_PASSPHRASE;
  }
  throw new OracleTaskError(
    `network ${network} needs the keystore passphrase in the configuration variable ` +
      `${ORACLE_PASSPHRASE}: run \`npx hardhat vars set ${ORACLE_PASSPHRASE}\` or set the ` +
      `environment variable HARDHAT_VAR_${ORACLE_PASSPHRASE}`,
  );
}

function checkArgs(args: OracleTaskArgs): void {
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65_535) {
    throw new OracleTaskError(`--port ${args.port} is not a TCP port (0-65535)`);
  }
  if (!Number.isInteger(args.poolTarget) || args.poolTarget < 0) {
    throw new OracleTaskError(`--pool-target ${args.poolTarget} must be a non-negative integer`);
  }
  if (!Number.isInteger(args.maxConcurrent) || args.maxConcurrent < 1) {
    throw new OracleTaskError(`--max-concurrent ${args.maxConcurrent} must be a positive integer`);
  }
}

async function runOracle(args: OracleTaskArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  const network = hre.network.name;
  if (network === "hardhat") {
    // The in-process chain lives and dies with this command: nothing else could mint on it.
    throw new OracleTaskError(
      "the oracle needs a chain other processes can reach; --network hardhat is this process's " +
        "own in-memory chain. Start one with `npx hardhat node --hostname 127.0.0.1`, deploy with " +
        "`npx hardhat pkp:deploy --network localhost`, then run " +
        "`npx hardhat pkp:oracle --network localhost`",
    );
  }
  checkArgs(args);
  const path = await import("node:path");
  const { missingNetworkVars } = await import("./networkVars");
  const missing = missingNetworkVars(network);
  if (missing.length > 0) throw new OracleTaskError(missing.join("\n"));
  const passphrase = await passphraseFor(network);

  const impl = await compileThenLoad("pkp:oracle", hre, () => import("../src/oracle/http/service"));
  if (impl === undefined) return;
  const { defaultDataDir, startOracleService } = impl;
  const dataDir = path.resolve(args.dataDir ?? defaultDataDir(hre.config.paths.root, network));
  const keystoreDir = path.resolve(args.keystoreDir ?? path.join(dataDir, "keystore"));

  const signers = await hre.ethers.getSigners().catch((error: Error) => {
    throw new OracleTaskError(`cannot reach network ${network}: ${error.message}`);
  });
  if (signers.length === 0) {
    throw new OracleTaskError(`network ${network} has no account to act as key provider`);
  }
  console.log(`▸ pkp:oracle on network ${network}; key provider ${signers[0].address}`);

  const service = await startOracleService({
    network,
    provider: hre.ethers.provider,
    keyProvider: signers[0],
    deploymentsDir: args.deploymentsDir && path.resolve(args.deploymentsDir),
    keystoreDir,
    actionsBaseDir: dataDir,
    passphrase,
    host: args.host,
    port: args.port,
    poolTarget: args.poolTarget,
    maxConcurrent: args.maxConcurrent,
  });

  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      console.log(`▸ ${signal}: stopping`);
      service.stop().then(resolve, (error: Error) => {
        console.error(`pkp:oracle: error while stopping: ${error.message}`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  console.log("▸ Oracle stopped");
}
