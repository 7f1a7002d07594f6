/**
 * The network side of one execution's host calls: `fetch` (through the World: the allow-list,
 * or the recordings on replay), the JSON-RPC an action reaches through a `getRpcUrl` URL,
 * `getRpcUrl`, `getLatestNonce`, `callContract`, and the chain reads of condition checks. Per
 * execution, so it holds the run's counters.
 *
 * - A fetch of a chain's RPC URL never leaves as HTTP: its JSON-RPC body (one call or a batch) is
 *   answered through `World.rpc`, read methods and `eth_sendRawTransaction` only (ALLOWED_RPC_METHODS:
 *   no eth_sendTransaction, eth_sign, personal_*, hardhat_*, evm_*, debug_* …), at the chain's
 *   head, as a node's RPC answers (so `tx.wait()` works).
 * - `getLatestNonce`, `callContract` and condition reads of the oracle's own chain read the
 *   block the execution pinned; other chains' reads are at their head.
 * - Limits: `maxFetches` fetches per execution (Lit's 50; RPC-URL fetches included) and 30
 *   `callContract`s (Lit's), each fatal (LIMIT_EXCEEDED) when passed; the response size and
 *   time per fetch (./fetch/limits.ts).
 */
import { Transaction } from "ethers";
import { fromHex, toBase64 } from "../bytes";
import { ALLOWED_RPC_METHODS, type Chains } from "./chains";
import type { PinnedChainView } from "./chainView";
import type { ChainReads } from "./conditions/evaluate";
import { ConditionsError } from "./conditions/canonical";
import type { FetchLimits } from "./fetch/limits";
import { FatalHostError } from "./runtime/actionFailure";
import { InvalidArgumentError, type HostRequest, type HostValue } from "./runtime/hostRequest";
import {
  FetchError,
  ReplayMismatchError,
  type FetchAnswer,
  type RpcAnswer,
  type World,
} from "./world";

/** Lit's max_contract_call_count. */
export const MAX_CONTRACT_CALLS = 30;
/** Calls in one JSON-RPC batch an action may send. */
const MAX_RPC_BATCH = 100;
/** Lit's default gas for callContract when the transaction gives none. */
const DEFAULT_CALL_GAS = 10_000_000n;

type FetchHostRequest = Extract<HostRequest, { method: "fetch" }>;

interface JsonRpcCall {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

export class HostNetwork {
  private fetches = 0;
  private contractCalls = 0;

  constructor(
    private readonly world: World,
    private readonly chains: Chains,
    private readonly view: PinnedChainView,
    private readonly limits: FetchLimits,
  ) {}

  /** Lit's getRpcUrl: the URL, or (never a throw) the text "Error getting RPC URL: …". */
  getRpcUrl(chain: string): string {
    const url = this.chains.rpcUrl(chain);
    if (url !== undefined) return url;
    return `Error getting RPC URL: unknown chain ${JSON.stringify(chain)}; this oracle knows ${this.chains.names().join(", ")} (more with pkp:oracle --chain <name>=<rpc-url>)`;
  }

  async fetch(request: FetchHostRequest): Promise<HostValue> {
    if (++this.fetches > this.limits.maxFetches) {
      throw new FatalHostError(
        "LIMIT_EXCEEDED",
        `You may not send more than ${this.limits.maxFetches} HTTP requests per session and you have attempted to exceed that limit.`,
      );
    }
    const body = request.body === undefined ? undefined : hexBytes(request.body);
    const chain = this.chains.chainForUrl(request.url);
    let answer: FetchAnswer;
    try {
      answer =
        chain !== undefined
          ? await this.rpcOverHttp(chain, request.url, request.httpMethod, body)
          : await this.world.fetch({
              url: request.url,
              method: request.httpMethod,
              headers: request.headers,
              body,
              redirect: request.redirect,
            });
    } catch (error) {
      if (error instanceof ReplayMismatchError) throw new FatalHostError(error.code, error.message);
      throw error; // FetchError: a TypeError inside the action, with its code
    }
    return toSandbox(answer);
  }

  async getLatestNonce(address: string, chain: string): Promise<HostValue> {
    const result = await this.read(chain, "eth_getTransactionCount", [address, this.block(chain)]);
    return `0x${BigInt(String(result)).toString(16)}`;
  }

  async callContract(chain: string, txn: string): Promise<HostValue> {
    if (++this.contractCalls > MAX_CONTRACT_CALLS) {
      throw new FatalHostError(
        "LIMIT_EXCEEDED",
        `You may not call contracts more than ${MAX_CONTRACT_CALLS} times per session and you have attempted to exceed that limit.`,
      );
    }
    let tx: Transaction;
    try {
      tx = Transaction.from(txn);
    } catch (error) {
      throw new InvalidArgumentError(
        `callContract: txn is not an RLP-encoded transaction (${(error as Error).message})`,
      );
    }
    if (tx.to === null) throw new InvalidArgumentError("callContract: the transaction has no `to`");
    const call: Record<string, string> = {
      to: tx.to,
      data: tx.data,
      gas: `0x${(tx.gasLimit === 0n ? DEFAULT_CALL_GAS : tx.gasLimit).toString(16)}`,
    };
    if (tx.value !== 0n) call.value = `0x${tx.value.toString(16)}`;
    if (tx.from !== null) call.from = tx.from;
    return String(await this.read(chain, "eth_call", [call, this.block(chain)]));
  }

  /** Chain reads for condition checks, at the pinned block on the oracle's own chain. */
  conditionReads(): ChainReads {
    const read = async (chain: string, method: string, params: unknown[]) => {
      try {
        return await this.read(chain, method, params);
      } catch (error) {
        if (error instanceof FatalHostError) throw error;
        throw new ConditionsError(`Error making RPC Call on ${chain}: ${(error as Error).message}`);
      }
    };
    return {
      call: async (chain, to, data) =>
        String(await read(chain, "eth_call", [{ to, data }, this.block(chain)])),
      balance: async (chain, address) =>
        BigInt(String(await read(chain, "eth_getBalance", [address, this.block(chain)]))),
      timestamp: async (chain) => {
        const block = (await read(
          chain,
          this.chains.isOwn(chain) ? "eth_getBlockByHash" : "eth_getBlockByNumber",
          [this.chains.isOwn(chain) ? this.view.blockHash : "latest", false],
        )) as { timestamp?: unknown } | null;
        const timestamp = block?.timestamp;
        return BigInt(
          typeof timestamp === "string" || typeof timestamp === "number" ? timestamp : 0,
        );
      },
    };
  }

  /** The block a read of `chain` addresses: the pinned one on the own chain (EIP-1898). */
  private block(chain: string): unknown {
    return this.chains.isOwn(chain) ? { blockHash: this.view.blockHash } : "latest";
  }

  /** One JSON-RPC read through the World; a JSON-RPC error is a catchable error. */
  private async read(chain: string, method: string, params: unknown[]): Promise<unknown> {
    if (!this.chains.has(chain)) {
      throw new InvalidArgumentError(
        `unknown chain ${JSON.stringify(chain)}; this oracle knows ${this.chains.names().join(", ")}`,
      );
    }
    const answer = await this.rpc(chain, method, params);
    if ("error" in answer)
      throw new InvalidArgumentError(`${method} on ${chain} failed: ${answer.error.message}`);
    return answer.result;
  }

  private async rpc(chain: string, method: string, params: unknown[]): Promise<RpcAnswer> {
    try {
      return await this.world.rpc(chain, method, params);
    } catch (error) {
      if (error instanceof ReplayMismatchError) throw new FatalHostError(error.code, error.message);
      throw error;
    }
  }

  /** A fetch of an RPC URL, answered as JSON-RPC by the host (see the top of the file). */
  private async rpcOverHttp(
    chain: string,
    url: string,
    httpMethod: string,
    body: Uint8Array | undefined,
  ): Promise<FetchAnswer> {
    const reply = (status: number, statusText: string, payload: unknown): FetchAnswer => ({
      status,
      statusText,
      url,
      redirected: false,
      headers: [["content-type", "application/json"]],
      body: new TextEncoder().encode(JSON.stringify(payload)),
    });
    if (httpMethod !== "POST") {
      return reply(405, "Method Not Allowed", {
        jsonrpc: "2.0",
        id: null,
        error: { code: -32600, message: "JSON-RPC requests are POSTs" },
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(body ?? new Uint8Array()));
    } catch {
      return reply(200, "OK", {
        jsonrpc: "2.0",
        id: null,
        error: { code: -32700, message: "Parse error" },
      });
    }
    const batch = Array.isArray(parsed);
    const calls = (batch ? parsed : [parsed]) as JsonRpcCall[];
    if (calls.length === 0 || calls.length > MAX_RPC_BATCH) {
      return reply(200, "OK", {
        jsonrpc: "2.0",
        id: null,
        error: { code: -32600, message: `a batch holds 1 to ${MAX_RPC_BATCH} calls` },
      });
    }
    const answers = [];
    for (const call of calls) answers.push(await this.answerRpc(chain, call));
    const payload = batch ? answers : answers[0];
    const size = JSON.stringify(payload).length;
    if (size > this.limits.maxResponseBytes) {
      throw new FetchError(
        "FETCH_FAILED",
        `fetch ${url}: the response is larger than the limit of ${this.limits.maxResponseBytes} bytes`,
      );
    }
    return reply(200, "OK", payload);
  }

  private async answerRpc(chain: string, call: JsonRpcCall): Promise<unknown> {
    const id = call?.id ?? null;
    if (call === null || typeof call !== "object" || typeof call.method !== "string") {
      return { jsonrpc: "2.0", id, error: { code: -32600, message: "Invalid Request" } };
    }
    if (!ALLOWED_RPC_METHODS.has(call.method)) {
      return {
        jsonrpc: "2.0",
        id,
        error: {
          code: -32601,
          message: `${call.method} is not available to Lit Actions through this oracle: its RPC answers reads and eth_sendRawTransaction only`,
        },
      };
    }
    const params = call.params === undefined ? [] : call.params;
    if (!Array.isArray(params)) {
      return { jsonrpc: "2.0", id, error: { code: -32602, message: "params must be an array" } };
    }
    const answer = await this.rpc(chain, call.method, params);
    return { jsonrpc: "2.0", id, ...answer };
  }
}

function hexBytes(hex: string): Uint8Array {
  return fromHex(hex);
}

/** A fetch answer as the sandbox's fetch part reads it: text when it is UTF-8, else base64. */
function toSandbox(answer: FetchAnswer): HostValue {
  let text: string | undefined;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(answer.body);
  } catch {
    text = undefined;
  }
  return {
    status: answer.status,
    statusText: answer.statusText,
    url: answer.url,
    redirected: answer.redirected,
    headers: answer.headers,
    ...(text === undefined ? { bodyBase64: toBase64(answer.body) } : { body: text }),
  };
}
