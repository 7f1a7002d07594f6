import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { OracleTaskArgs } from "./args";
import { missingNetworkVarsOf } from "./networkVars";
import { optionValues, repeatableOption } from "./repeatable";
import { messageOf } from "../src/errorText";
import { runTask } from "./runner";
import { authsigDomains, parseDuration } from "./oracleOptions";
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
/** `--oidc-issuer <url>` and `--oidc-audience <id>`, each repeatable (docs/WALLET.md). */
const OIDC_ISSUER = repeatableOption("url");
const OIDC_AUDIENCE = repeatableOption("client id");
/**
 * `--authsig-domain <domain>`, repeatable and comma-separated lists alike. Verbatim: the task
 * splits the values, so that an empty one is refused instead of meaning "any domain".
 */
const AUTHSIG_DOMAIN = repeatableOption("domain", { verbatim: true });

/**
 * The task's arguments with every repeatable option's values gathered (command line and
 * programmatic arrays). Exported for the tests of the option parsing.
 */
export function oracleTaskArgs(given: OracleTaskArgs): OracleTaskArgs {
  return {
    ...given,
    fetchAllow: optionValues(FETCH_ALLOW, given.fetchAllow),
    chain: optionValues(CHAIN, given.chain),
    oidcIssuer: optionValues(OIDC_ISSUER, given.oidcIssuer),
    oidcAudience: optionValues(OIDC_AUDIENCE, given.oidcAudience),
    authsigDomain: optionValues(AUTHSIG_DOMAIN, given.authsigDomain),
  };
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
  .addOptionalParam(
    "poolTarget",
    "Unminted keys a refill fills the router's pool to",
    10,
    types.int,
  )
  .addOptionalParam(
    "poolLowWater",
    "Refill the pool as soon as it holds fewer unminted keys than this (default: --pool-target)",
    undefined,
    types.int,
  )
  .addOptionalParam(
    "maxConcurrent",
    "Requests worked on at once (once their bodies are in), shared fairly between clients; " +
      "more get 503 BUSY",
    64,
    types.int,
  )
  .addOptionalParam(
    "maxConnectionsPerClient",
    "Connections one client (remote address) may have open; past it 503 BUSY and closed",
    256,
    types.int,
  )
  .addOptionalParam(
    "maxQueueMs",
    "Longest wait of an execution for a sandbox worker; past it 503 BUSY with Retry-After",
    10_000,
    types.int,
  )
  .addOptionalParam("workers", "Sandbox worker threads kept (default: CPUs)", undefined, types.int)
  .addOptionalParam(
    "maxWorkers",
    "Most sandbox workers at once; above --workers only while runs wait (default: 2 × workers)",
    undefined,
    types.int,
  )
  .addOptionalParam(
    "maxRunningPerClient",
    "Most sandbox workers one client (remote address) holds at once " +
      "(default: --max-workers − 1, at least --workers)",
    undefined,
    types.int,
  )
  .addOptionalParam(
    "workerIdleMs",
    "Worker threads above --workers end after this long without a run",
    30_000,
    types.int,
  )
  .addOptionalParam("maxHostCalls", "Host calls one action run may make", 256, types.int)
  .addOptionalParam(
    "hostCallBytes",
    "UTF-8 bytes of the arguments of all host calls of one action run",
    1024 * 1024,
    types.int,
  )
  .addOptionalParam(
    "bodyTimeoutMs",
    "Time a client has to send a request body once its headers are in (408 past it)",
    10_000,
    types.int,
  )
  .addOptionalParam(
    "minBodyRate",
    "Average bytes/s a client must send its body at after the first 2 s (408 below it)",
    1024,
    types.int,
  )
  .addOptionalParam(
    "maxAuthsigLifetime",
    "Longest Expiration Time − Issued At of an authSig: <n>s, <n>m, <n>h or <n>d",
    "7d",
    types.string,
  )
  .addOptionalParam(
    "authsigDomain",
    "Only accept authSigs for this domain (SIWE domain and URI host), e.g. app.example or " +
      "localhost:3000; repeatable, or comma-separated. Default: any domain",
    undefined,
    AUTHSIG_DOMAIN.type,
  )
  .addOptionalParam(
    "actionStoreMaxBytes",
    "Quota of the action store (bytes of code); past it POST /actions is 507 STORE_FULL",
    256 * 1024 * 1024,
    types.int,
  )
  .addOptionalParam(
    "actionStoreRate",
    "Bytes of code one client may store per minute; past it POST /actions is 429 RATE_LIMITED",
    8 * 1024 * 1024,
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
  .addOptionalParam(
    "oidcIssuer",
    "An OIDC issuer whose ID tokens (auth method type 6) the oracle trusts; repeatable. " +
      "Default: Google (https://accounts.google.com)",
    undefined,
    OIDC_ISSUER.type,
  )
  .addOptionalParam(
    "oidcAudience",
    "A client id (aud) accepted from every --oidc-issuer, or <issuer-url>#<id> from one; repeatable",
    undefined,
    OIDC_AUDIENCE.type,
  )
  .setAction((given: OracleTaskArgs, hre) => {
    const args = oracleTaskArgs(given);
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
  await checkArgs(args);
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

async function checkArgs(args: OracleTaskArgs): Promise<void> {
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65_535) {
    throw new OracleTaskError("INVALID_OPTION", `--port ${args.port} is not a TCP port (0-65535)`);
  }
  const integer = (flag: string, value: number | undefined, min: number) => {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) {
      throw new OracleTaskError("INVALID_OPTION", `${flag} ${value} must be an integer ≥ ${min}`);
    }
  };
  integer("--pool-target", args.poolTarget, 0);
  integer("--pool-low-water", args.poolLowWater, 0);
  if (args.poolLowWater !== undefined && args.poolLowWater > args.poolTarget) {
    throw new OracleTaskError(
      "INVALID_OPTION",
      `--pool-low-water ${args.poolLowWater} must not be above --pool-target ${args.poolTarget}`,
    );
  }
  integer("--max-concurrent", args.maxConcurrent, 1);
  integer("--max-connections-per-client", args.maxConnectionsPerClient, 1);
  integer("--max-queue-ms", args.maxQueueMs, 0);
  integer("--workers", args.workers, 1);
  integer("--max-workers", args.maxWorkers, 1);
  integer("--max-running-per-client", args.maxRunningPerClient, 1);
  integer("--worker-idle-ms", args.workerIdleMs, 0);
  integer("--max-host-calls", args.maxHostCalls, 0);
  integer("--host-call-bytes", args.hostCallBytes, 0);
  integer("--body-timeout-ms", args.bodyTimeoutMs, 1);
  integer("--min-body-rate", args.minBodyRate, 0);
  integer("--action-store-max-bytes", args.actionStoreMaxBytes, 0);
  integer("--action-store-rate", args.actionStoreRate, 1);
  parseDuration("--max-authsig-lifetime", args.maxAuthsigLifetime);
  authsigDomains(args.authsigDomain);
  // The parsers are loaded here, not with the task's registration: a project that imports the
  // plugin and never runs pkp:oracle loads none of the oracle (test/package: "uses no PKP").
  // They import nothing generated: safe before compiling.
  const { parseAllowedOrigin } = await import("../src/oracle/fetch/policy");
  const { parseChainOption } = await import("../src/oracle/chains");
  const { oidcIssuersFromOptions } = await import("../src/oracle/auth/oidcConfig");
  for (const origin of args.fetchAllow ?? []) optionCheck(() => parseAllowedOrigin(origin));
  for (const chain of args.chain ?? []) optionCheck(() => parseChainOption(chain, {}));
  optionCheck(() => oidcIssuersFromOptions(args.oidcIssuer ?? [], args.oidcAudience ?? []));
}

/** Runs one of the oracle's option parsers: what it refuses is INVALID_OPTION, with its message. */
function optionCheck(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    throw new OracleTaskError("INVALID_OPTION", messageOf(error));
  }
}
