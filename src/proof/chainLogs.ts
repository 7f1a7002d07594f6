/**
 * Log searches over long block ranges. Public RPC endpoints cap `eth_getLogs` ranges (often at a
 * few thousand blocks), so a search walks the range in chunks and reports progress as it goes.
 */
import type { Log, Provider, TopicFilter } from "ethers";

export const DEFAULT_LOG_CHUNK_BLOCKS = 5_000;

export interface LogScanProgress {
  /** What is being searched (for the message). */
  label: string;
  fromBlock: number;
  toBlock: number;
  /** The last block searched so far. */
  scannedTo: number;
}

export interface LogScan {
  provider: Provider;
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
export async function scanLogs(scan: LogScan): Promise<Log[]> {
  const chunk = Math.max(1, scan.chunkBlocks ?? DEFAULT_LOG_CHUNK_BLOCKS);
  const many = scan.toBlock - scan.fromBlock + 1 > chunk;
  const found: Log[] = [];
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
