/** What every view works with: the server's config, the chain, the deployment and its PKP index. */
import type { CompiledContracts } from "../../src/proof/compiled";
import type { LogScanProgress } from "../../src/proof/chainLogs";
import type { ExplorerConfig } from "./api";
import {
  ChainError,
  connectContracts,
  describeError,
  staleRecordReason,
  type ChainState,
  type DeploymentContracts,
} from "./chain";
import { PkpIndex, type IndexTimings } from "./indexer";

export interface App {
  config: ExplorerConfig;
  compiled: CompiledContracts;
  /** Absent when the chain could not be reached (then `chainError` says why). */
  chain?: ChainState;
  chainError?: ChainError;
  /** Why the deployment record does not match the chain (stale record), if it does not. */
  staleReason?: string;
  contracts?: DeploymentContracts;
  /** Milestones of this page load, in ms since navigation start (read by the benchmark). */
  timings: Record<string, number>;
  /** The PKP index, read up to the chain's head (incrementally after the first time). */
  index(onProgress?: (progress: LogScanProgress) => void): Promise<PkpIndex>;
}

/** Connects what the config describes; never throws (failures become chainError/staleReason). */
export async function createApp(
  config: ExplorerConfig,
  compiled: CompiledContracts,
  chainOrError: ChainState | ChainError,
  timings: Record<string, number>,
): Promise<App> {
  const app: App = { config, compiled, timings, index: () => Promise.reject(noIndex(app)) };
  if (chainOrError instanceof ChainError) {
    app.chainError = chainOrError;
    return app;
  }
  app.chain = chainOrError;
  const deployment = config.deployment;
  if (deployment === null) return app;
  const contracts = connectContracts(deployment, compiled, chainOrError.provider);
  app.contracts = contracts;
  let index = new PkpIndex(deployment, contracts, config.logChunkBlocks);
  let syncing: Promise<PkpIndex> | undefined;
  // The first read goes up to the head the boot probe saw (no extra round trip); later ones ask.
  let knownHead: number | undefined = chainOrError.head;
  const sync = (onProgress?: (progress: LogScanProgress) => void) => {
    syncing ??= (async () => {
      try {
        const started = performance.now();
        const head = knownHead ?? (await chainOrError.provider.getBlockNumber());
        knownHead = undefined;
        // A head below what was read: the node was restarted (or reorganised); read it all again.
        if (head < index.syncedTo)
          index = new PkpIndex(deployment, contracts, config.logChunkBlocks);
        const result: IndexTimings = await index.sync(chainOrError, head, onProgress);
        timings.logsReadMs ??= started + result.fetchMs;
        timings.indexBuiltMs ??= performance.now();
        timings.indexLogs ??= result.logs;
        return index;
      } finally {
        syncing = undefined;
      }
    })();
    return syncing;
  };
  // The first read of the logs starts now, alongside the check that the record fits the chain:
  // the list is what most visits open first.
  const first = sync();
  first.catch(() => undefined);
  try {
    app.staleReason = await staleRecordReason(config, chainOrError);
  } catch (error) {
    app.chainError = new ChainError("CHAIN_UNREACHABLE", describeError(error));
    return app;
  }
  if (app.staleReason === undefined) app.index = sync;
  return app;
}

function noIndex(app: App): Error {
  if (app.chainError) return app.chainError;
  return new Error(app.staleReason ?? "no deployment record");
}
