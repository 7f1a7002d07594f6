/**
 * Log searches over long block ranges. Public RPC endpoints cap `eth_getLogs` ranges (often at a
 * few thousand blocks), so a search walks the range in chunks and reports progress as it goes.
 */
import type { Filter, Log, TopicFilter } from "ethers";

export const DEFAULT_LOG_CHUNK_BLOCKS = 5_000;

export interface LogScanProgress {
  /** What is being searched (for the message). */
  label: string;
  fromBlock: number;
  toBlock: number;
  /** The last block searched so far. */
  scannedTo: number;
}

/** What a search uses of a log: an ethers Log has it, and so has a raw eth_getLogs entry decoded. */
export type LogLike = Pick<
  Log,
  "address" | "blockNumber" | "index" | "topics" | "data" | "transactionHash"
>;

/**
 * Where logs come from: any ethers Provider, or a lighter source (the explorer's page reads raw
 * eth_getLogs answers: building thousands of ethers Log objects costs more than fetching them).
 */
export interface LogSource<L extends LogLike = Log> {
  getLogs(filter: Filter): Promise<readonly L[]>;
}

export interface LogScan<L extends LogLike = Log> {
  provider: LogSource<L>;
  label: string;
  address: string | string[];
  topics: TopicFilter;
  fromBlock: number;
  toBlock: number;
  chunkBlocks?: number;
  /** Called after each chunk when the range spans more than one chunk. */
  onProgress?: (progress: LogScanProgress) => void;
}

/** Every log matching the filter in [fromBlock, toBlock], in chain order. */
export async function scanLogs<L extends LogLike = Log>(scan: LogScan<L>): Promise<L[]> {
  const chunk = Math.max(1, scan.chunkBlocks ?? DEFAULT_LOG_CHUNK_BLOCKS);
  const many = scan.toBlock - scan.fromBlock + 1 > chunk;
  const found: L[] = [];
  for (let from = scan.fromBlock; from <= scan.toBlock; from += chunk) {
    const to = Math.min(scan.toBlock, from + chunk - 1);
    const logs = await scan.provider.getLogs({
      address: scan.address,
      topics: scan.topics,
      fromBlock: from,
      toBlock: to,
    });
    found.push(...logs);
    if (many) {
      scan.onProgress?.({
        label: scan.label,
        fromBlock: scan.fromBlock,
        toBlock: scan.toBlock,
        scannedTo: to,
      });
    }
  }
  return found.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
}
