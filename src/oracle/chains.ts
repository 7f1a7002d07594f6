/**
 * The chains an action can name (`Lit.Actions.getRpcUrl({ chain })`, `getLatestNonce`,
 * `callContract`, conditions, `ethers.providers.JsonRpcProvider`): the oracle's own chain, always,
 * under its network name (and its chain id as a string, and any aliases configured), and more
 * chains from configuration (`pkp:oracle --chain <name>=<rpc-url>`).
 *
 * `getRpcUrl` gives each chain's URL: the configured RPC URL, or for the own chain without one a
 * placeholder (`http://oracle-rpc.invalid/<name>`). Actions do not reach these URLs directly: the
 * host's fetch answers a request to one of them as JSON-RPC itself, read methods only, so an RPC
 * URL is not a way around the fetch allow-list nor to the node's unlocked accounts.
 */
import { CodedError } from "../codedError";
import { messageOf } from "../errorText";

/** JSON-RPC methods actions may use (reads, and sending an already signed transaction). */
export const ALLOWED_RPC_METHODS: ReadonlySet<string> = new Set([
  "eth_chainId",
  "net_version",
  "web3_clientVersion",
  "eth_blockNumber",
  "eth_gasPrice",
  "eth_maxPriorityFeePerGas",
  "eth_feeHistory",
  "eth_estimateGas",
  "eth_call",
  "eth_getBalance",
  "eth_getCode",
  "eth_getStorageAt",
  "eth_getTransactionCount",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_getLogs",
  "eth_sendRawTransaction",
]);

export class ChainConfigError extends CodedError<"INVALID_CHAIN_CONFIG"> {
  constructor(message: string) {
    super("INVALID_CHAIN_CONFIG", message);
  }
}

/** A provider that speaks raw JSON-RPC (ethers' JsonRpcApiProvider, Hardhat's provider). */
export interface RawRpc {
  send(method: string, params: unknown[]): Promise<unknown>;
}

export interface OwnChain {
  /** The network's name (`localhost`, `sepolia`, …). */
  name: string;
  chainId: bigint;
  /** Where the oracle reads the chain. */
  rpc: RawRpc;
  /** The chain's RPC URL as actions get it; default: a placeholder only this oracle answers. */
  rpcUrl?: string;
}

/** `--chain` values: name → RPC URL, or `self` (another name for the oracle's own chain). */
export type ChainsConfig = Record<string, string>;

export const SELF_CHAIN = "self";
const CHAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const RPC_TIMEOUT_MS = 10_000;

/** Parses `name=url` (a `--chain` value) into the config, refusing malformed ones. */
export function parseChainOption(text: string, into: ChainsConfig): void {
  const eq = text.indexOf("=");
  const name = eq < 0 ? "" : text.slice(0, eq);
  const value = eq < 0 ? "" : text.slice(eq + 1);
  if (!CHAIN_NAME.test(name) || value === "") {
    throw new ChainConfigError(
      `--chain ${JSON.stringify(text)} must be <name>=<rpc-url> (or <name>=self)`,
    );
  }
  if (value !== SELF_CHAIN) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ChainConfigError(`--chain ${name}: ${JSON.stringify(value)} is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ChainConfigError(`--chain ${name}: the RPC URL must be http(s)`);
    }
  }
  into[name] = value;
}

function normalizeUrl(text: string): string | undefined {
  try {
    return new URL(text).href;
  } catch {
    return undefined;
  }
}

export class Chains {
  private readonly own: OwnChain;
  private readonly ownNames = new Set<string>();
  private readonly remote = new Map<string, string>();
  private readonly byUrl = new Map<string, string>();
  private readonly ownUrl: string;
  private nextId = 1;

  constructor(own: OwnChain, config: ChainsConfig = {}) {
    this.own = own;
    this.ownNames.add(own.name);
    this.ownNames.add(own.chainId.toString());
    for (const [name, value] of Object.entries(config)) {
      if (value === SELF_CHAIN) this.ownNames.add(name);
      else this.remote.set(name, new URL(value).href);
    }
    const ownUrl = normalizeUrl(
      own.rpcUrl ?? `http://oracle-rpc.invalid/${encodeURIComponent(own.name)}`,
    );
    if (ownUrl === undefined)
      throw new ChainConfigError(`the chain's RPC URL ${own.rpcUrl} is not a URL`);
    this.ownUrl = ownUrl;
    this.byUrl.set(ownUrl, own.name);
    for (const [name, url] of this.remote) if (!this.byUrl.has(url)) this.byUrl.set(url, name);
  }

  /** Every chain name an action may use. */
  names(): string[] {
    return [...this.ownNames, ...this.remote.keys()];
  }

  isOwn(chain: string): boolean {
    return this.ownNames.has(chain);
  }

  has(chain: string): boolean {
    return this.ownNames.has(chain) || this.remote.has(chain);
  }

  /** The URL getRpcUrl gives for `chain`, or undefined for an unknown chain. */
  rpcUrl(chain: string): string | undefined {
    if (this.ownNames.has(chain)) return this.ownUrl;
    return this.remote.get(chain);
  }

  /** The chain whose RPC URL `url` is (exactly, after normalization). */
  chainForUrl(url: string): string | undefined {
    const normalized = normalizeUrl(url);
    return normalized === undefined ? undefined : this.byUrl.get(normalized);
  }

  /** One JSON-RPC call; resolves the result or the node's error object, rejects if unreachable. */
  async send(
    chain: string,
    method: string,
    params: unknown[],
  ): Promise<{ result: unknown } | { error: { code: number; message: string; data?: unknown } }> {
    if (this.ownNames.has(chain)) {
      try {
        return { result: await this.own.rpc.send(method, params) };
      } catch (error) {
        return { error: rpcErrorOf(error) };
      }
    }
    const url = this.remote.get(chain);
    if (url === undefined) throw new ChainConfigError(`unknown chain ${chain}`);
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method, params }),
      signal: AbortSignal.timeout(RPC_TIMEOUT_MS),
    });
    const body = (await response.json()) as {
      result?: unknown;
      error?: { code: number; message: string; data?: unknown };
    };
    if (body.error !== undefined) return { error: body.error };
    return { result: body.result ?? null };
  }
}

/** A provider's failure as a JSON-RPC error object (ethers and Hardhat wrap them differently). */
function rpcErrorOf(error: unknown): { code: number; message: string; data?: unknown } {
  const e = error as {
    error?: { code?: unknown; message?: unknown; data?: unknown };
    code?: unknown;
    data?: unknown;
  };
  const inner = e?.error;
  if (inner && typeof inner.code === "number" && typeof inner.message === "string") {
    return {
      code: inner.code,
      message: inner.message,
      ...(inner.data === undefined ? {} : { data: inner.data }),
    };
  }
  const code = typeof e?.code === "number" ? e.code : -32000;
  return { code, message: messageOf(error), ...(e?.data === undefined ? {} : { data: e.data }) };
}
