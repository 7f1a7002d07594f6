/**
 * The page's view of the chain: JSON-RPC through the explorer's read-only proxy (`/rpc`, same
 * origin), typed contract handles from the ABIs shipped with the page, and the state checks that
 * decide which notice the page shows (chain unreachable, record stale).
 */
import { Contract, JsonRpcProvider, Network, toQuantity, type Filter } from "ethers";
import { CodedError } from "../../src/codedError";
import type { LogLike, LogSource } from "../../src/proof/chainLogs";
import type { PKPNFT, PKPPermissions, PubkeyRouter } from "../../typechain-types";
import type { CompiledContracts } from "../../src/proof/compiled";
import type { ExplorerConfig } from "./api";

/** The chain could not be read; `code` is the proxy's (CHAIN_UNREACHABLE, UPSTREAM_TIMEOUT, …). */
export class ChainError extends CodedError<string> {}

interface RpcAnswer {
  result?: unknown;
  error?: { message?: string; data?: { code?: string } };
}

/** One raw JSON-RPC call through the proxy (before a provider exists, and for probes). */
export async function rpc(method: string, params: unknown[] = []): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch("/rpc", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
  } catch (error) {
    throw new ChainError(
      "EXPLORER_UNREACHABLE",
      `the explorer server does not answer: ${describeError(error)}`,
    );
  }
  let body: RpcAnswer;
  try {
    body = (await response.json()) as RpcAnswer;
  } catch {
    throw new ChainError("CHAIN_UNREACHABLE", `/rpc answered HTTP ${response.status}, not JSON`);
  }
  if (body.error !== undefined) {
    throw new ChainError(body.error.data?.code ?? "RPC_ERROR", body.error.message ?? "RPC error");
  }
  return body.result;
}

export interface ChainState {
  chainId: number;
  head: number;
  provider: JsonRpcProvider;
}

/** Asks the chain for its id and head; ChainError when it cannot be reached. */
export async function connectChain(): Promise<ChainState> {
  const [chainIdHex, headHex] = await Promise.all([rpc("eth_chainId"), rpc("eth_blockNumber")]);
  const chainId = Number(chainIdHex);
  const provider = new JsonRpcProvider(`${location.origin}/rpc`, Network.from(chainId), {
    staticNetwork: true,
    batchMaxCount: 20,
    // Requests made in the same tick still share a batch; none waits ethers' default 10 ms.
    batchStallTime: 0,
    polling: false,
  });
  return { chainId, head: Number(headHex), provider };
}

export interface DeploymentContracts {
  pkpNft: PKPNFT;
  pkpPermissions: PKPPermissions;
  pubkeyRouter: PubkeyRouter;
}

export function connectContracts(
  deployment: NonNullable<ExplorerConfig["deployment"]>,
  compiled: CompiledContracts,
  provider: JsonRpcProvider,
): DeploymentContracts {
  const at = (name: keyof CompiledContracts) =>
    new Contract(deployment.contracts[name].address, compiled[name].abi, provider);
  return {
    pkpNft: at("PKPNFT") as unknown as PKPNFT,
    pkpPermissions: at("PKPPermissions") as unknown as PKPPermissions,
    pubkeyRouter: at("PubkeyRouter") as unknown as PubkeyRouter,
  };
}

/**
 * Why the deployment record does not describe this chain, or undefined when it does: another
 * chain id, or no code at PKPNFT (the usual sign of a restarted local node).
 */
export async function staleRecordReason(
  config: ExplorerConfig,
  chain: ChainState,
): Promise<string | undefined> {
  const deployment = config.deployment;
  if (deployment === null) return undefined;
  if (deployment.chainId !== chain.chainId) {
    return (
      `the deployment record of ${config.network} is for chain ${deployment.chainId}, ` +
      `but the chain answers with chain id ${chain.chainId}`
    );
  }
  const code = await chain.provider.getCode(deployment.contracts.PKPNFT.address);
  if (code === "0x") {
    return (
      `there is no contract at PKPNFT ${deployment.contracts.PKPNFT.address}: ` +
      "the chain was probably restarted since the deployment"
    );
  }
  return undefined;
}

/** The message of an ethers or proxy error, on one line. */
export function describeError(error: unknown): string {
  const e = error as {
    shortMessage?: string;
    message?: string;
    info?: { responseBody?: string };
    error?: { message?: string };
  };
  if (typeof e.info?.responseBody === "string") {
    try {
      const body = JSON.parse(e.info.responseBody) as RpcAnswer;
      if (body.error?.message) return body.error.message;
    } catch {
      // not JSON
    }
  }
  return (e.error?.message ?? e.shortMessage ?? e.message ?? String(error)).replace(/\s+/g, " ");
}

interface RawLog {
  address: string;
  blockNumber: string;
  logIndex: string;
  topics: string[];
  data: string;
  transactionHash: string;
}

/**
 * eth_getLogs answers as plain objects (the fields log searches use), fetched with the browser's
 * own fetch and JSON parser: for thousands of logs this is several times faster than ethers'
 * provider, which decodes the body's UTF-8 in JavaScript and checksums and freezes every Log.
 */
export function rawLogSource(): LogSource<LogLike> {
  const hex = (block: unknown) => (typeof block === "number" ? toQuantity(block) : block);
  return {
    async getLogs(filter: Filter) {
      const raw = (await rpc("eth_getLogs", [
        { ...filter, fromBlock: hex(filter.fromBlock), toBlock: hex(filter.toBlock) },
      ])) as RawLog[];
      return raw.map((log) => ({
        address: log.address,
        blockNumber: Number(log.blockNumber),
        index: Number(log.logIndex),
        topics: log.topics,
        data: log.data,
        transactionHash: log.transactionHash,
      }));
    },
  };
}
