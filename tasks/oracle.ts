import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { OracleTaskArgs } from "./args";
import { missingNetworkVarsOf } from "./networkVars";
import { optionValues, repeatableOption } from "./repeatable";
import { parseChainOption } from "../src/oracle/chains";
import { parseAllowedOrigin } from "../src/oracle/fetch/policy";
import { runTask } from "./runner";
import { OracleTaskError } from "./taskErrors";

/**
 * `npx hardhat pkp:oracle --network <name> [--host 127.0.0.1] [--port 8787]`: runs the signing
 * oracle as an HTTP service against the contracts of `deployments/<network>.json` (see
 * docs/ORACLE.md, "HTTP service"). Runs until SIGINT/SIGTERM, then stops cleanly (exit 0).
 *
 * Like tasks/deploy.ts, this file is imported by hardhat.config.ts before anything is compiled:
 * it checks the options and the configuration, then the implementation (tasks/oracleAction.ts:
 * typechain handles, the oracle) is imported, after compiling (tasks/runner.ts).
 */

/** The configuration variable holding the keystore passphrase. */
export const ORACLE_PASSPHRASE = "ORACLE_PASSPHRASE";
/**
 * Used on `localhost` only, when ORACLE_PASSPHRASE is not set: a local chain's keys guard
 * nothing of value, and a fixed passphrase lets the keystore survive restarts without setup.
 */
export const DEV_PASSPHRASE = "lit-pkp-local-dev-passphrase (localhost only, not a secret)";
const DEV_NETWORKS = new Set(["localhost"]);

/** `--fetch-allow <origin>` and `--chain <name>=<url>`, each repeatable. */
const FETCH_ALLOW = repeatableOption("origin");
const CHAIN = repeatableOption("name=url");

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
  .addOptionalParam(
    "fetchAllow",
    "An origin actions may fetch from (scheme://host[:port]); repeatable. Default: none",
    undefined,
    FETCH_ALLOW.type,
  )
  .addOptionalParam(
    "chain",
    "A chain actions may name (getRpcUrl, conditions…): <name>=<rpc-url>, or <name>=self for " +
      "another name of this network; repeatable",
    undefined,
    CHAIN.type,
  )
  .addFlag(
    "litLimits",
    "Run actions under Lit's stricter datil limits (response and logs 100 KB, 10 signatures)",
  )
  .setAction((given: OracleTaskArgs, hre) => {
    const args: OracleTaskArgs = {
      ...given,
      fetchAllow: optionValues(FETCH_ALLOW, given.fetchAllow),
      chain: optionValues(CHAIN, given.chain),
    };
    return runTask({
      name: "pkp:oracle",
      hre,
      prepare: () => checkOracleTask(args, hre),
      load: () => import("./oracleAction"),
      run: (impl, passphrase) => impl.serveOracle(args, hre, passphrase),
    });
  });

/**
 * What can be checked before compiling: the network, the options, the network's configuration
 * variables. Resolves to the keystore passphrase.
 */
async function checkOracleTask(
  args: OracleTaskArgs,
  hre: HardhatRuntimeEnvironment,
): Promise<string> {
  const network = hre.network.name;
  if (network === "hardhat") {
    // The in-process chain lives and dies with this command: nothing else could mint on it.
    throw new OracleTaskError(
      "UNSUITABLE_NETWORK",
      "the oracle needs a chain other processes can reach; --network hardhat is this process's " +
        "own in-memory chain. Start one with `npx hardhat node --hostname 127.0.0.1`, deploy with " +
        "`npx hardhat pkp:deploy --network localhost`, then run " +
        "`npx hardhat pkp:oracle --network localhost`",
    );
  }
  checkArgs(args);
  const missing = missingNetworkVarsOf(hre);
  if (missing.length > 0) throw new OracleTaskError("MISSING_CONFIG", missing.join("\n"));
  return passphraseFor(network);
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
    "MISSING_CONFIG",
    `network ${network} needs the keystore passphrase in the configuration variable ` +
      `${ORACLE_PASSPHRASE}: run \`npx hardhat vars set ${ORACLE_PASSPHRASE}\` or set the ` +
      `environment variable HARDHAT_VAR_${ORACLE_PASSPHRASE}`,
  );
}

function checkArgs(args: OracleTaskArgs): void {
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65_535) {
    throw new OracleTaskError("INVALID_OPTION", `--port ${args.port} is not a TCP port (0-65535)`);
  }
  if (!Number.isInteger(args.poolTarget) || args.poolTarget < 0) {
    throw new OracleTaskError(
      "INVALID_OPTION",
      `--pool-target ${args.poolTarget} must be a non-negative integer`,
    );
  }
  if (!Number.isInteger(args.maxConcurrent) || args.maxConcurrent < 1) {
    throw new OracleTaskError(
      "INVALID_OPTION",
      `--max-concurrent ${args.maxConcurrent} must be a positive integer`,
    );
  }
  // Both parsers import nothing generated: safe before compiling.
  for (const origin of args.fetchAllow ?? []) {
    try {
      parseAllowedOrigin(origin);
    } catch (error) {
      throw new OracleTaskError("INVALID_OPTION", (error as Error).message);
    }
  }
  for (const chain of args.chain ?? []) {
    try {
      parseChainOption(chain, {});
    } catch (error) {
      throw new OracleTaskError("INVALID_OPTION", (error as Error).message);
    }
  }
}
