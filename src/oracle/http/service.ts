/**
 * The oracle service as `npx hardhat pkp:oracle` runs it: deployment record → contracts, an
 * encrypted keystore and action store on disk, the key provisioner keeping the router's pool
 * filled, and the HTTP server. Kept apart from the Hardhat task so that it can be started (and
 * benchmarked) with any provider and signer.
 */
import * as path from "node:path";
import type { ethers } from "ethers";
import { loadDeployment, type LoadedDeployment } from "../../deployments";
import { FileActionStore } from "../actionStore";
import type { AuthSigRules } from "../authSig";
import { FileKeystore } from "../keystore";
import { claimRouterOf, type ClaimsOptions } from "../auth/claims";
import type { OidcOptions } from "../auth/oidc";
import { KeyProvisioner, type PoolLevel, type ProvisioningEvent } from "../provisioning";
import { SigningOracle } from "../oracle";
import { parseChainOption, type ChainsConfig } from "../chains";
import { ActionRuntime, LIT_DATIL_LIMITS, type ActionLimits } from "../runtime";
import { jsonLineLogger, type RequestLogger } from "./requestLog";
import { startOracleServer, type OracleServer } from "./server";

export interface OracleServiceOptions {
  /** Network name: which deployment record to load (`<deploymentsDir>/<network>.json`). */
  network: string;
  /** Reads (permission checks, health). */
  provider: ethers.Provider;
  /** The key-provider account: registers and withdraws pool keys. */
  keyProvider: ethers.Signer;
  /** Default deployments/. */
  deploymentsDir?: string;
  /** The encrypted keystore's directory. */
  keystoreDir: string;
  /** Stored action code goes to `<actionsBaseDir>/actions/<cid>.js`. */
  actionsBaseDir: string;
  passphrase: string;
  host?: string;
  port?: number;
  /** Unminted keys a refill fills the router's pool to (default 10). */
  poolTarget?: number;
  /** Refill as soon as the pool holds fewer unminted keys than this (default: poolTarget). */
  poolLowWater?: number;
  /** How often the provisioner looks for new blocks (default 100 ms). */
  poolPollIntervalMs?: number;
  /** Requests in progress once their bodies are complete, fairly shared (default 64). */
  maxConcurrent?: number;
  /** Connections one client may have open (default 256). */
  maxConnectionsPerClient?: number;
  /** Worker threads kept (default: CPUs), most at once (default 2 ×), most per client. */
  workers?: number;
  maxWorkers?: number;
  maxRunningPerClient?: number;
  /** Longest wait for a worker before 503 BUSY (default 10 s). */
  maxQueueMs?: number;
  /** Workers above `workers` end after this long idle (default 30 s). */
  workerIdleMs?: number;
  /** Action limits (maxHostCalls, hostCallBytes, timeoutMs, …; runtime/limits.ts). */
  limits?: Partial<ActionLimits>;
  /** Body deadline and minimum rate (defaults 10 s, 1024 bytes/s). */
  bodyTimeoutMs?: number;
  minBodyBytesPerSecond?: number;
  /** authSig rules (max lifetime, domains). */
  authSig?: AuthSigRules;
  /** Quota of the action store (default 256 MiB) and per-client store rate (8 MiB a minute). */
  actionStoreMaxBytes?: number;
  storeRateBytesPerMinute?: number;
  /** Human-readable progress (default: console.log). */
  print?: (message: string) => void;
  /** Request log lines (default: JSON lines on stdout). */
  log?: RequestLogger;
  /** Origins actions may fetch from (default none). */
  fetchAllow?: string[];
  /** More chains for actions: `<name>=<rpc-url>` or `<name>=self` each. */
  chains?: string[];
  /** This network's RPC URL, as getRpcUrl gives it to actions. */
  rpcUrl?: string;
  /** Run actions under Lit's stricter datil limits (LIT_DATIL_LIMITS) instead of ours. */
  litLimits?: boolean;
  /** Trusted OIDC issuers for ID-token auth methods (default: Google's, no client id). */
  oidc?: OidcOptions;
}

export interface OracleService {
  deployment: LoadedDeployment;
  oracle: SigningOracle;
  provisioner: KeyProvisioner;
  server: OracleServer;
  /** Stops the provisioner, then the server, then the oracle and its worker threads. */
  stop(): Promise<void>;
}

function chainsConfig(values: string[]): ChainsConfig {
  const config: ChainsConfig = {};
  for (const value of values) parseChainOption(value, config);
  return config;
}
/** The service watches for new blocks this often: a drained pool is refilled within ~0.1 s. */
const SERVICE_POOL_POLL_MS = 100;

/** Default data directory of a network's oracle: `.oracle/<network>` under `root`. */
export function defaultDataDir(root: string, network: string): string {
  return path.join(root, ".oracle", network);
}

function formatLevel(level: PoolLevel): string {
  return (
    `pool of key type ${level.keyType}: ${level.unminted} unminted ` +
    `(${level.held} held by this keystore, target ${level.target})`
  );
}

export async function startOracleService(options: OracleServiceOptions): Promise<OracleService> {
  const print = options.print ?? ((message: string) => console.log(message));
  const deployment = await loadDeployment({
    network: options.network,
    runner: options.provider,
    dir: options.deploymentsDir,
  });
  const { contracts, record } = deployment;
  print(
    `▸ Deployment of ${record.network} (chain ${record.chainId}): PKPNFT ${record.contracts.PKPNFT.address}`,
  );

  const keystore = await FileKeystore.open({
    dir: options.keystoreDir,
    passphrase: options.passphrase,
  });
  print(`▸ Keystore ${options.keystoreDir}: ${keystore.list().length} key(s)`);
  for (const problem of keystore.problems) {
    print(`  ! ${problem.file}: ${problem.reason}`);
  }

  const router = contracts.pubkeyRouter.connect(options.keyProvider);
  const provisioner = new KeyProvisioner({
    router,
    keystore,
    target: options.poolTarget,
    lowWater: options.poolLowWater,
    pollIntervalMs: options.poolPollIntervalMs ?? SERVICE_POOL_POLL_MS,
    onEvent: (event: ProvisioningEvent) => {
      if (event.kind === "reconciled") {
        const withdrawn = (event.withdrawn as bigint[] | undefined) ?? [];
        const registered = (event.registered as bigint[] | undefined) ?? [];
        print(
          `▸ Reconciled the pool with the keystore: withdrew ${withdrawn.length} key(s) ` +
            `this keystore cannot sign for, registered ${registered.length} held key(s)`,
        );
        for (const id of withdrawn) print(`  withdrawn 0x${id.toString(16).padStart(64, "0")}`);
      } else if (event.kind === "error" || event.kind === "foreign-keys") {
        print(`  ! provisioning: ${event.message}`);
      } else if (event.kind === "generated") {
        print(`  provisioning: ${event.message}`);
      }
    },
  });
  await provisioner.start();
  print(`▸ ${formatLevel(await provisioner.level())}`);

  // Boot the worker threads now, not on the first request (≈ 0.5 s each under ts-node).
  // --lit-limits: Lit's stricter datil limits, under any limits given explicitly.
  const limits = options.litLimits ? { ...LIT_DATIL_LIMITS, ...options.limits } : options.limits;
  const runtime = new ActionRuntime({
    poolSize: options.workers,
    maxWorkers: options.maxWorkers,
    maxRunningPerClient: options.maxRunningPerClient,
    maxQueueMs: options.maxQueueMs,
    workerIdleMs: options.workerIdleMs,
    limits,
  });
  await runtime.warmUp();
  const oracle = new SigningOracle({
    contracts: {
      pkpNft: contracts.pkpNft,
      pkpPermissions: contracts.pkpPermissions,
      pubkeyRouter: contracts.pubkeyRouter,
    },
    provider: options.provider,
    chainId: record.chainId,
    keystore,
    actions: new FileActionStore(options.actionsBaseDir, { maxBytes: options.actionStoreMaxBytes }),
    runtime,
    chainName: options.network,
    rpcUrl: options.rpcUrl,
    chains: chainsConfig(options.chains ?? []),
    fetch: { allow: options.fetchAllow ?? [] },
    limits,
    authSig: options.authSig,
    oidc: options.oidc,
    // Claimed keys: the key-provider account routes them and signs claims as the one validator.
    claims: withClaimRouter(router, options.keyProvider),
  });
  const fetchAllow = options.fetchAllow ?? [];
  print(
    fetchAllow.length === 0
      ? "▸ Actions' fetch: no origin allowed (pkp:oracle --fetch-allow <origin> to allow one)"
      : `▸ Actions' fetch allowed to: ${fetchAllow.join(", ")}`,
  );
  print(`▸ Chains for actions: ${oracle.chains.names().join(", ")}`);
  if (options.litLimits) {
    print(
      `▸ Lit's datil limits: response ${LIT_DATIL_LIMITS.responseBytes} bytes, logs ` +
        `${LIT_DATIL_LIMITS.logBytes} bytes, ${LIT_DATIL_LIMITS.maxSignatures} signatures per run`,
    );
  }
  for (const { issuer, audiences } of oracle.oidc.issuers()) {
    print(
      `▸ Trusts ID tokens of ${issuer} for ${audiences.length > 0 ? audiences.join(", ") : "no client id yet (--oidc-audience)"}`,
    );
  }
  let server: OracleServer;
  try {
    server = await startOracleServer({
      oracle,
      host: options.host,
      port: options.port,
      maxConcurrent: options.maxConcurrent,
      maxConnectionsPerClient: options.maxConnectionsPerClient,
      maxQueueMs: options.maxQueueMs,
      bodyTimeoutMs: options.bodyTimeoutMs,
      minBodyBytesPerSecond: options.minBodyBytesPerSecond,
      storeRateBytesPerMinute: options.storeRateBytesPerMinute,
      log: options.log ?? jsonLineLogger(),
    });
  } catch (error) {
    await provisioner.stop();
    await oracle.close();
    await runtime.close();
    throw error;
  }
  // Lit's SDK names each node by its URL in sessionSigs: accept ours too.
  oracle.sessions.acceptNodeAddress(server.url);
  print(`▸ Oracle listening on ${server.url} (sessionSigs' nodeAddress: ${oracle.nodeAddress})`);

  let stopping: Promise<void> | undefined;
  return {
    deployment,
    oracle,
    provisioner,
    server,
    stop() {
      stopping ??= (async () => {
        await provisioner.stop();
        await server.close();
        await oracle.close();
        await runtime.close();
      })();
      return stopping;
    },
  };
}

function withClaimRouter(router: object, validator: ethers.Signer): ClaimsOptions | undefined {
  const claimRouter = claimRouterOf(router);
  return claimRouter !== undefined ? { router: claimRouter, validator } : undefined;
}
