/**
 * Reads of PKP state at ONE block, pinned when an execution starts, so every permission check of
 * that execution sees the same chain state (a grant removed mid-execution does not half-apply).
 *
 * A reverted read is an answer (the contracts' views used here do not revert for unknown or
 * burned PKPs); only a failure to reach the chain is CHAIN_UNAVAILABLE.
 *
 * `ChainReader` is shared by all executions and makes that cheap without weakening it:
 * - **Pins are coalesced, never reused.** A pin is one `eth_getBlockByNumber("latest")`. A caller
 *   either starts one, or joins the one queued to start when the call in flight returns; it never
 *   joins a call sent before it arrived. Every pinned block was therefore observed after the
 *   request arrived — the same freshness as one call per request, with at most one call in flight
 *   and one queued however many requests arrive.
 * - **Reads are cached per pinned block.** A view call's answer at a given block never changes,
 *   so decoded answers are kept in a bounded LRU keyed by (block hash, view, arguments), and
 *   identical reads in flight are shared. The key is the block's HASH, not its number: after a reorg (or
 *   Hardhat's `evm_revert`, which reuses numbers) the same number is another block, and the reads
 *   themselves address the block by hash (EIP-1898), so an answer is always of the pinned block.
 *   Arguments longer than a few words are hashed into the key (SHA-256), so the cache's memory
 *   is bounded by its entry count, whatever size of arguments an action sends.
 */
import { ethers } from "ethers";
import type { PKPNFT, PKPPermissions, PubkeyRouter } from "../../typechain-types";
import { OracleError } from "./errors";
import { EventLoopTurns } from "./eventLoopTurns";

export interface OracleContracts {
  pkpNft: PKPNFT;
  pkpPermissions: PKPPermissions;
  pubkeyRouter: PubkeyRouter;
}

function isRevert(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (code === "CALL_EXCEPTION") return true;
  // Hardhat's in-process provider can report a revert as JSON-RPC -32603 with the reason inside.
  return /revert/i.test(error.message);
}

export interface PinnedBlock {
  number: number;
  /** 0x-hex, 32 bytes: what every read of the execution addresses. */
  hash: string;
}

export interface ChainReaderOptions {
  /** Cached read answers kept at most (default 4096, about 1 MiB); least recently used go first. */
  maxCachedReads?: number;
}

/** A provider that speaks raw JSON-RPC (ethers' JsonRpcApiProvider, Hardhat's ethers provider). */
type RawRpcProvider = ethers.Provider & {
  send(method: string, params: unknown[]): Promise<unknown>;
};

function hasRawRpc(provider: ethers.Provider): provider is RawRpcProvider {
  return typeof (provider as { send?: unknown }).send === "function";
}

const DEFAULT_MAX_CACHED_READS = 4096;

/** Pins blocks and answers view calls for every execution of one oracle (see the top of file). */
export class ChainReader {
  private readonly byHash: OracleContracts;
  private readonly answers = new Map<string, Promise<unknown>>();
  private readonly maxCachedReads: number;
  /** The pin call sent and not yet answered. */
  private sent: Promise<PinnedBlock> | undefined;
  /** The pin call that starts when `sent` returns; callers arriving meanwhile share it. */
  private queued: Promise<PinnedBlock> | undefined;
  private rpcCalls = { pins: 0, reads: 0 };
  /**
   * Turns for reads with long arguments (see PinnedChainView.read): ethers ABI-encodes in
   * JavaScript, ~10 ms for a 32 KiB `bytes`, and the reads of every run waiting on one pinned
   * block resume together, in one microtask drain; each takes an event-loop turn of its own.
   */
  readonly longReadTurns = new EventLoopTurns();

  constructor(
    contracts: OracleContracts,
    private readonly provider: ethers.Provider,
    options: ChainReaderOptions = {},
  ) {
    this.maxCachedReads = options.maxCachedReads ?? DEFAULT_MAX_CACHED_READS;
    if (!Number.isSafeInteger(this.maxCachedReads) || this.maxCachedReads < 0) {
      throw new OracleError("INVALID_REQUEST", "maxCachedReads must be a non-negative integer");
    }
    // The typechain contracts keep their types; only the transport of their calls changes.
    const runner: ethers.ContractRunner = {
      provider,
      call: (tx: ethers.TransactionRequest) => this.call(tx),
    };
    this.byHash = {
      pkpNft: contracts.pkpNft.connect(runner),
      pkpPermissions: contracts.pkpPermissions.connect(runner),
      pubkeyRouter: contracts.pubkeyRouter.connect(runner),
    };
  }

  /** A view of the chain at a block observed after this call was made. */
  async pin(): Promise<PinnedChainView> {
    const block = await this.pinBlock();
    return new PinnedChainView(this, this.byHash, block.number, block.hash);
  }

  /** JSON-RPC calls made so far (for tests and benchmarks). */
  stats(): { pins: number; reads: number; cachedReads: number } {
    return { ...this.rpcCalls, cachedReads: this.answers.size };
  }

  private pinBlock(): Promise<PinnedBlock> {
    if (this.sent === undefined && this.queued === undefined) return this.sendPin();
    if (this.queued === undefined) {
      const settled = () => undefined;
      this.queued = (this.sent ?? Promise.resolve()).then(settled, settled).then(() => {
        this.queued = undefined;
        return this.sendPin();
      });
    }
    return this.queued;
  }

  private sendPin(): Promise<PinnedBlock> {
    const call = this.fetchLatestBlock();
    this.sent = call;
    const clear = () => {
      if (this.sent === call) this.sent = undefined;
    };
    call.then(clear, clear);
    return call;
  }

  private async fetchLatestBlock(): Promise<PinnedBlock> {
    this.rpcCalls.pins++;
    let number: unknown;
    let hash: unknown;
    try {
      if (hasRawRpc(this.provider)) {
        // Raw, so that no provider-side cache (ethers keeps answers for 250 ms by default) can
        // hand out a block observed before the request arrived.
        const block = (await this.provider.send("eth_getBlockByNumber", ["latest", false])) as {
          number?: unknown;
          hash?: unknown;
        } | null;
        number = block?.number;
        hash = block?.hash;
      } else {
        const block = await this.provider.getBlock("latest");
        number = block?.number;
        hash = block?.hash;
      }
    } catch (error) {
      throw new OracleError("CHAIN_UNAVAILABLE", `cannot reach the chain: ${describe(error)}`);
    }
    if (
      (typeof number !== "string" && typeof number !== "number") ||
      typeof hash !== "string" ||
      !ethers.isHexString(hash, 32)
    ) {
      throw new OracleError(
        "CHAIN_UNAVAILABLE",
        `the chain's latest block has no number or hash: ${String(number)} ${String(hash)}`,
      );
    }
    return { number: Number(number), hash };
  }

  /**
   * The answer of `load` at block `blockHash`, cached under `key` (which must name the view and
   * its arguments): the chain is asked once per block, however many executions read it. Answers
   * are shared between executions, so nobody may mutate one (arrays from ethers are read-only).
   */
  cachedRead<T>(blockHash: string, key: string, load: () => Promise<T>): Promise<T> {
    const fullKey = `${blockHash}|${key}`;
    const hit = this.answers.get(fullKey) as Promise<T> | undefined;
    if (hit !== undefined) {
      // Most recently used goes last: Map keeps insertion order, the first key is evicted first.
      this.answers.delete(fullKey);
      this.answers.set(fullKey, hit);
      return hit;
    }
    const answer = load();
    if (this.maxCachedReads > 0) {
      this.answers.set(fullKey, answer);
      // Failures (chain unreachable, reverts) are not answers to keep.
      answer.catch(() => {
        if (this.answers.get(fullKey) === answer) this.answers.delete(fullKey);
      });
      while (this.answers.size > this.maxCachedReads) {
        const oldest = this.answers.keys().next().value as string;
        this.answers.delete(oldest);
      }
    }
    return answer;
  }

  /** eth_call at a pinned block, addressed by its hash (the contracts' runner). */
  private call(tx: ethers.TransactionRequest): Promise<string> {
    const { to, data, blockTag, from } = tx;
    if (
      typeof to !== "string" ||
      typeof data !== "string" ||
      typeof blockTag !== "string" ||
      !ethers.isHexString(blockTag, 32)
    ) {
      // Only PinnedChainView uses this runner, always with an address, calldata and a block hash.
      return Promise.reject(new Error("ChainReader only answers view calls at a pinned block"));
    }
    return this.ethCall({ to, data, from: typeof from === "string" ? from : undefined }, blockTag);
  }

  private async ethCall(
    tx: { to: string; data: string; from?: string },
    blockHash: string,
  ): Promise<string> {
    this.rpcCalls.reads++;
    if (hasRawRpc(this.provider)) {
      const request = tx.from === undefined ? { to: tx.to, data: tx.data } : tx;
      const result = await this.provider.send("eth_call", [request, { blockHash }]);
      if (typeof result !== "string") throw new Error(`eth_call answered ${String(result)}`);
      return result;
    }
    return this.provider.call({ ...tx, blockTag: blockHash });
  }
}

export class PinnedChainView {
  /** Use ChainReader.pin(). */
  constructor(
    private readonly reader: ChainReader,
    private readonly contracts: OracleContracts,
    readonly blockNumber: number,
    readonly blockHash: string,
  ) {}

  /** `what` and `args` name the answer in the per-block cache. */
  private async read<T>(
    what: string,
    args: ReadonlyArray<bigint | number | string>,
    call: (blockTag: { blockTag: string }) => Promise<T>,
  ): Promise<T> {
    // Every string argument is hex (addresses, bytes), so case does not make another answer.
    const key = cacheKey(what, args);
    if (hasLongArgument(args)) await this.reader.longReadTurns.next();
    try {
      return await this.reader.cachedRead(this.blockHash, key, () =>
        call({ blockTag: this.blockHash }),
      );
    } catch (error) {
      if (isRevert(error)) {
        throw new OracleError("INVALID_REQUEST", `${what} reverted: ${describe(error)}`);
      }
      throw new OracleError("CHAIN_UNAVAILABLE", `cannot read ${what}: ${describe(error)}`);
    }
  }

  isRouted(tokenId: bigint): Promise<boolean> {
    return this.read("isRouted", [tokenId], (o) =>
      this.contracts.pubkeyRouter.isRouted(tokenId, o),
    );
  }

  /** The current owner, or null for a PKP that does not exist (never minted, or burned). */
  async ownerOf(tokenId: bigint): Promise<string | null> {
    const owner = await this.read("ownerOrZero", [tokenId], (o) =>
      this.contracts.pkpNft.ownerOrZero(tokenId, o),
    );
    return owner === ethers.ZeroAddress ? null : owner;
  }

  hasScope(tokenId: bigint, authMethodType: bigint, id: string, scope: bigint): Promise<boolean> {
    return this.read(
      "isPermittedAuthMethodScopePresent",
      [tokenId, authMethodType, id, scope],
      (o) =>
        this.contracts.pkpPermissions.isPermittedAuthMethodScopePresent(
          tokenId,
          authMethodType,
          id,
          scope,
          o,
        ),
    );
  }

  isPermittedAuthMethod(tokenId: bigint, authMethodType: bigint, id: string): Promise<boolean> {
    return this.read("isPermittedAuthMethod", [tokenId, authMethodType, id], (o) =>
      this.contracts.pkpPermissions.isPermittedAuthMethod(tokenId, authMethodType, id, o),
    );
  }

  isPermittedAddress(tokenId: bigint, address: string): Promise<boolean> {
    return this.read("isPermittedAddress", [tokenId, address], (o) =>
      this.contracts.pkpPermissions.isPermittedAddress(tokenId, address, o),
    );
  }

  getPermittedActions(tokenId: bigint): Promise<string[]> {
    return this.read("getPermittedActions", [tokenId], (o) =>
      this.contracts.pkpPermissions.getPermittedActions(tokenId, o),
    );
  }

  getPermittedAddresses(tokenId: bigint): Promise<string[]> {
    return this.read("getPermittedAddresses", [tokenId], (o) =>
      this.contracts.pkpPermissions.getPermittedAddresses(tokenId, o),
    );
  }

  async getPermittedAuthMethods(
    tokenId: bigint,
  ): Promise<Array<{ authMethodType: bigint; id: string; userPubkey: string }>> {
    const methods = await this.read("getPermittedAuthMethods", [tokenId], (o) =>
      this.contracts.pkpPermissions.getPermittedAuthMethods(tokenId, o),
    );
    return methods.map((m) => ({ authMethodType: m[0], id: m[1], userPubkey: m[2] }));
  }

  getPermittedAuthMethodScopes(
    tokenId: bigint,
    authMethodType: bigint,
    id: string,
    maxScopeId: number,
  ): Promise<boolean[]> {
    return this.read(
      "getPermittedAuthMethodScopes",
      [tokenId, authMethodType, id, maxScopeId],
      (o) =>
        this.contracts.pkpPermissions.getPermittedAuthMethodScopes(
          tokenId,
          authMethodType,
          id,
          maxScopeId,
          o,
        ),
    );
  }
}

/** Keys up to this length are kept as written (readable in a debugger); longer ones hashed. */
const MAX_PLAIN_KEY = 160;

/**
 * The per-block cache key of a view call: its name and arguments, hashed when long (a 32 KB
 * userId must not become a 64 KB key held by 4,096 entries). SHA-256 leaves no useful collision;
 * ethers' (not node:crypto) because this module also runs in the explorer's browser bundle.
 */
export function cacheKey(what: string, args: ReadonlyArray<bigint | number | string>): string {
  const plain = `${what}(${args.map((a) => String(a).toLowerCase()).join(",")})`;
  if (plain.length <= MAX_PLAIN_KEY) return plain;
  // TextEncoder, not ethers.toUtf8Bytes: the latter walks the string in JavaScript (~7 ms for a
  // 64 Ki-character argument, on the main thread); sha256 is native either way.
  return `${what}#${ethers.sha256(new TextEncoder().encode(plain))}`;
}

/** An argument that makes the read's key hashed (and its ABI encoding milliseconds long). */
function hasLongArgument(args: ReadonlyArray<bigint | number | string>): boolean {
  return args.some((arg) => typeof arg === "string" && arg.length > MAX_PLAIN_KEY);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const short = (error as { shortMessage?: unknown }).shortMessage;
    return typeof short === "string" ? short : error.message;
  }
  return String(error);
}
