/**
 * pkp:oracle's implementation (tasks/oracle.ts registers the task and checks its options first):
 * starts the oracle service for the network's deployment and runs until SIGINT/SIGTERM.
 */
import * as path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { messageOf } from "../src/errorText";
import { oidcIssuersFromOptions } from "../src/oracle/auth/oidcConfig";
import { defaultDataDir, startOracleService } from "../src/oracle/http/service";
import type { OracleTaskArgs } from "./args";
import { authsigDomains, parseDuration } from "./oracleOptions";
import { deploymentsDirOf } from "./project";
import { OracleTaskError } from "./taskErrors";
import { untilSignal } from "./untilSignal";

export async function serveOracle(
  args: OracleTaskArgs,
  hre: HardhatRuntimeEnvironment,
  passphrase: string,
): Promise<void> {
  const network = hre.network.name;
  const dataDir = path.resolve(args.dataDir ?? defaultDataDir(hre.config.paths.root, network));
  const keystoreDir = path.resolve(args.keystoreDir ?? path.join(dataDir, "keystore"));

  const signers = await hre.ethers.getSigners().catch((error: unknown) => {
    throw new OracleTaskError(
      "NETWORK_UNREACHABLE",
      `cannot reach network ${network}: ${messageOf(error)}`,
    );
  });
  if (signers.length === 0) {
    throw new OracleTaskError(
      "NO_ACCOUNT",
      `network ${network} has no account to act as key provider`,
    );
  }
  console.log(`▸ pkp:oracle on network ${network}; key provider ${signers[0].address}`);

  const service = await startOracleService({
    network,
    provider: hre.ethers.provider,
    keyProvider: signers[0],
    deploymentsDir: deploymentsDirOf(hre, args.deploymentsDir),
    keystoreDir,
    actionsBaseDir: dataDir,
    passphrase,
    host: args.host,
    port: args.port,
    poolTarget: args.poolTarget,
    poolLowWater: args.poolLowWater,
    maxConcurrent: args.maxConcurrent,
    fetchAllow: args.fetchAllow ?? [],
    chains: args.chain ?? [],
    litLimits: args.litLimits,
    // getRpcUrl gives actions this network's own URL (answered by the oracle, read-only).
    rpcUrl: "url" in hre.network.config ? hre.network.config.url : undefined,
    maxConnectionsPerClient: args.maxConnectionsPerClient,
    maxQueueMs: args.maxQueueMs,
    workers: args.workers,
    maxWorkers: args.maxWorkers,
    maxRunningPerClient: args.maxRunningPerClient,
    workerIdleMs: args.workerIdleMs,
    limits: { maxHostCalls: args.maxHostCalls, hostCallBytes: args.hostCallBytes },
    bodyTimeoutMs: args.bodyTimeoutMs,
    minBodyBytesPerSecond: args.minBodyRate,
    authSig: {
      maxLifetimeMs: parseDuration("--max-authsig-lifetime", args.maxAuthsigLifetime),
      domains: authsigDomains(args.authsigDomain),
    },
    actionStoreMaxBytes: args.actionStoreMaxBytes,
    storeRateBytesPerMinute: args.actionStoreRate,
    oidc: { issuers: oidcIssuersFromOptions(args.oidcIssuer ?? [], args.oidcAudience ?? []) },
  });

  await untilSignal(() =>
    service.stop().catch((error: unknown) => {
      console.error(`pkp:oracle: error while stopping: ${messageOf(error)}`);
      process.exitCode = 1;
    }),
  );
  console.log("▸ Oracle stopped");
}
