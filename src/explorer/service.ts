/**
 * The explorer as `npx hardhat pkp:explorer` runs it: builds the page (with this checkout's
 * compiled contracts), starts the server, says where it listens and what it found. Kept apart
 * from the Hardhat task so that tests and the benchmark can start it with any artifacts.
 */
import * as path from "node:path";
import type { Artifacts } from "hardhat/types";
import { readDeploymentRecord } from "../deployments";
import { loadCompiledContracts } from "../proof/compiled";
import { buildExplorerAssets } from "./assets";
import { startExplorerServer, type ExplorerLogLine, type ExplorerServer } from "./server";
import { redactedOrigin } from "./upstream";

export interface ExplorerServiceOptions {
  network: string;
  rpcUrl: string;
  artifacts: Pick<Artifacts, "readArtifact" | "getBuildInfo">;
  deploymentsDir?: string;
  oracleUrl?: string;
  host?: string;
  port?: number;
  /** Progress lines (default: console.log). */
  print?: (message: string) => void;
}

export async function startExplorerService(
  options: ExplorerServiceOptions,
): Promise<ExplorerServer> {
  const print = options.print ?? ((message: string) => console.log(message));
  const dir = options.deploymentsDir && path.resolve(options.deploymentsDir);
  const readDeployment = () => readDeploymentRecord(options.network, dir);
  const compiled = await loadCompiledContracts(options.artifacts);
  const assets = await buildExplorerAssets({ compiled });
  const { stats } = assets;
  print(
    `▸ Page built in ${Math.round(stats.buildMs)} ms: app.js ${kib(stats.appBytes)}, ` +
      `sandbox worker ${kib(stats.workerBytes)}, quickjs.wasm ${kib(stats.wasmBytes)}`,
  );
  try {
    const record = await readDeployment();
    print(
      `▸ Deployment of ${options.network} (chain ${record.chainId}): ` +
        `PKPNFT ${record.contracts.PKPNFT.address}`,
    );
  } catch (error) {
    print(`▸ ${(error as Error).message} (the page says so too)`);
  }
  print(
    `▸ Chain: ${redactedOrigin(options.rpcUrl)} (read-only proxy at /rpc); oracle: ` +
      (options.oracleUrl === undefined
        ? "not configured (--oracle <url> shows actions' code)"
        : redactedOrigin(options.oracleUrl)),
  );
  const server = await startExplorerServer({
    assets,
    network: options.network,
    rpcUrl: options.rpcUrl,
    oracleUrl: options.oracleUrl,
    readDeployment,
    host: options.host,
    port: options.port,
    log: (line: ExplorerLogLine) =>
      print(`▸ refused ${line.method} ${line.path}: ${line.status} ${line.code} ${line.message}`),
  });
  print(`Explorer listening on ${server.url}`);
  return server;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}
