/**
 * `hardhat pkp:oracle …` started as its own process (test/helpers/taskProcess.ts: its own process
 * group, stopped by its PID, killed if still running when this process exits) for the service's
 * tests and the benchmark, and the stack deployed to a hardhat node for it to serve.
 */
import type { ChildProcess } from "node:child_process";
import * as path from "node:path";
import { freePort, runHardhat } from "../../helpers/hardhatNode";
import { spawnTask } from "../../helpers/taskProcess";

export interface OracleProcess {
  readonly child: ChildProcess;
  /** The service's URL, from its "listening" line. */
  readonly url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Sends `signal` to its process group and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns `hardhat pkp:oracle <args>` and resolves once it prints "Oracle listening on <url>". */
export async function spawnOracle(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<OracleProcess> {
  const task = await spawnTask(["pkp:oracle", ...args], /Oracle listening on (http:\/\/\S+)/, opts);
  return {
    child: task.child,
    url: task.ready,
    output: () => task.output(),
    stop: (signal) => task.stop(signal),
  };
}

/** The env that points `--network localhost` at the hardhat node at `nodeUrl`. */
export function localhostEnv(nodeUrl: string): NodeJS.ProcessEnv {
  return { HARDHAT_VAR_LOCALHOST_RPC_URL: nodeUrl };
}

/** `pkp:deploy` of the stack to the hardhat node at `nodeUrl`; throws with its output if it fails. */
export async function deployToNode(nodeUrl: string, deploymentsDir: string): Promise<void> {
  const deployed = await runHardhat(
    ["pkp:deploy", "--network", "localhost", "--no-compile", "--deployments-dir", deploymentsDir],
    { env: localhostEnv(nodeUrl) },
  );
  if (deployed.code !== 0) {
    throw new Error(
      `pkp:deploy failed (exit ${deployed.code}):\n${deployed.stdout}${deployed.stderr}`,
    );
  }
}

export interface NodeOracleOptions {
  /** The hardhat node the deployment is on. */
  nodeUrl: string;
  deploymentsDir: string;
  /** The oracle's --data-dir (its keystore and action store). */
  dataDir: string;
  /** Further pkp:oracle options. */
  args?: readonly string[];
  /** ORACLE_PASSPHRASE (default: none, i.e. the localhost development passphrase). */
  passphrase?: string;
}

/** `pkp:oracle --network localhost` serving the deployment on `nodeUrl`, on a free port. */
export async function spawnNodeOracle(options: NodeOracleOptions): Promise<OracleProcess> {
  const env = localhostEnv(options.nodeUrl);
  if (options.passphrase !== undefined) env.HARDHAT_VAR_ORACLE_PASSPHRASE = options.passphrase;
  return spawnOracle(
    [
      "--network",
      "localhost",
      "--deployments-dir",
      options.deploymentsDir,
      "--data-dir",
      options.dataDir,
      "--port",
      String(await freePort()),
      ...(options.args ?? []),
    ],
    { env },
  );
}

/**
 * The stack deployed to the hardhat node at `nodeUrl` (its record in `<dir>/deployments`), then
 * `pkp:oracle` serving it (its data in `<dir>/oracle`) on a free port.
 */
export async function deployAndSpawnOracle(options: {
  nodeUrl: string;
  dir: string;
  args?: readonly string[];
  passphrase?: string;
}): Promise<{ oracle: OracleProcess; deploymentsDir: string }> {
  const deploymentsDir = path.join(options.dir, "deployments");
  await deployToNode(options.nodeUrl, deploymentsDir);
  const oracle = await spawnNodeOracle({
    nodeUrl: options.nodeUrl,
    deploymentsDir,
    dataDir: path.join(options.dir, "oracle"),
    args: options.args,
    passphrase: options.passphrase,
  });
  return { oracle, deploymentsDir };
}
