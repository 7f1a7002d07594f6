/**
 * Every PKP of the deployment, from its contracts' logs: PKPMinted and Transfer from PKPNFT, the
 * auth-method events from PKPPermissions. The logs are read in chunks of `logChunkBlocks` (the
 * verifier's chunked search, src/proof/chainLogs.ts) from the contracts' creation blocks, and
 * later only the new blocks are read.
 *
 * The index is for listing and filtering; the PKP view reads grants from the chain's views, and
 * only a proof's verification establishes what a mint/grant/burn PKP can sign.
 */
import {
  ZeroAddress,
  dataSlice,
  getAddress,
  hexlify,
  keccak256,
  type Log,
  type LogDescription,
} from "ethers";
import { scanLogs, type LogScanProgress } from "../../src/proof/chainLogs";
import type { ExplorerConfig } from "./api";
import type { ChainState, DeploymentContracts } from "./chain";
import { AUTH_METHOD_ACTION, tokenHex } from "./format";

export interface Grant {
  type: bigint;
  /** The auth method id, lowercase 0x-hex (an action's 34-byte multihash, an address's 20 bytes). */
  id: string;
  userPubkey: string;
  scopes: Set<number>;
  /** The transaction that (last) added it. */
  addedTx: string;
}

export interface Transfer {
  from: string;
  to: string;
  tx: string;
  block: number;
}

export interface PkpRecord {
  tokenId: bigint;
  /** tokenId as 32-byte hex. */
  hex: string;
  publicKey: string;
  mint: { tx: string; block: number; index: number };
  /** The current owner; null once burned. */
  owner: string | null;
  burned: boolean;
  transfers: Transfer[];
  /** Current grants by `${type}:${id}`. */
  grants: Map<string, Grant>;
  /** Every transaction whose logs name the PKP (in these events). */
  txs: Set<string>;
  ethAddress?: string;
}

/** The PKP's Ethereum address: the last 20 bytes of keccak256 of its key without the 0x04 prefix. */
export function ethAddressOf(pkp: PkpRecord): string {
  pkp.ethAddress ??= getAddress(dataSlice(keccak256(dataSlice(pkp.publicKey, 1)), 12));
  return pkp.ethAddress;
}

/**
 * Minted, granted and burned in one transaction, as far as these events show: burned, every event
 * naming it in its mint transaction, and an action granted there.
 */
export function isMintGrantBurn(pkp: PkpRecord): boolean {
  if (!pkp.burned || pkp.txs.size !== 1) return false;
  for (const grant of pkp.grants.values()) {
    if (grant.type === AUTH_METHOD_ACTION && grant.addedTx === pkp.mint.tx) return true;
  }
  return false;
}

interface Decoded {
  log: Log;
  parsed: LogDescription;
}

export interface IndexTimings {
  /** Reading the logs (all chunks, both contracts). */
  fetchMs: number;
  /** Decoding and applying them. */
  applyMs: number;
  logs: number;
}

export class PkpIndex {
  readonly pkps = new Map<bigint, PkpRecord>();
  private ordered: PkpRecord[] | undefined;
  /** The last block read. */
  syncedTo: number;
  private readonly fromBlock: number;

  constructor(
    private readonly config: NonNullable<ExplorerConfig["deployment"]>,
    private readonly contracts: DeploymentContracts,
    private readonly chunkBlocks: number,
  ) {
    this.fromBlock = Math.min(
      config.contracts.PKPNFT.blockNumber,
      config.contracts.PKPPermissions.blockNumber,
    );
    this.syncedTo = this.fromBlock - 1;
  }

  /** Reads the blocks after `syncedTo` up to `head` and applies their events. */
  async sync(
    chain: ChainState,
    head: number,
    onProgress?: (progress: LogScanProgress) => void,
  ): Promise<IndexTimings> {
    const started = performance.now();
    if (head <= this.syncedTo) return { fetchMs: 0, applyMs: 0, logs: 0 };
    const nft = this.contracts.pkpNft.interface;
    const permissions = this.contracts.pkpPermissions.interface;
    const common = {
      provider: chain.provider,
      fromBlock: this.syncedTo + 1,
      toBlock: head,
      chunkBlocks: this.chunkBlocks,
      onProgress,
    };
    const [nftLogs, permissionLogs] = await Promise.all([
      scanLogs({
        ...common,
        label: "PKPNFT mints and transfers",
        address: this.config.contracts.PKPNFT.address,
        topics: [[nft.getEvent("PKPMinted").topicHash, nft.getEvent("Transfer").topicHash]],
      }),
      scanLogs({
        ...common,
        label: "PKPPermissions grants",
        address: this.config.contracts.PKPPermissions.address,
        topics: [
          [
            permissions.getEvent("PermittedAuthMethodAdded").topicHash,
            permissions.getEvent("PermittedAuthMethodRemoved").topicHash,
            permissions.getEvent("PermittedAuthMethodScopeAdded").topicHash,
            permissions.getEvent("PermittedAuthMethodScopeRemoved").topicHash,
          ],
        ],
      }),
    ]);
    const fetched = performance.now();
    const all = [...nftLogs, ...permissionLogs].sort(
      (a, b) => a.blockNumber - b.blockNumber || a.index - b.index,
    );
    // Mints first: a contract that emitted Transfer before PKPMinted would still be indexed.
    const decoded = all.map((log) => this.decode(log));
    for (const entry of decoded) if (entry?.parsed.name === "PKPMinted") this.apply(entry);
    for (const entry of decoded) if (entry && entry.parsed.name !== "PKPMinted") this.apply(entry);
    this.syncedTo = head;
    this.ordered = undefined;
    return { fetchMs: fetched - started, applyMs: performance.now() - fetched, logs: all.length };
  }

  /** Every PKP, newest mint first. */
  newestFirst(): PkpRecord[] {
    this.ordered ??= [...this.pkps.values()].sort(
      (a, b) => b.mint.block - a.mint.block || b.mint.index - a.mint.index,
    );
    return this.ordered;
  }

  private decode(log: Log): Decoded | undefined {
    const isNft = log.address.toLowerCase() === this.config.contracts.PKPNFT.address.toLowerCase();
    const iface = isNft ? this.contracts.pkpNft.interface : this.contracts.pkpPermissions.interface;
    const parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
    return parsed === null ? undefined : { log, parsed };
  }

  private apply({ log, parsed }: Decoded): void {
    const tx = log.transactionHash.toLowerCase();
    if (parsed.name === "PKPMinted") {
      const tokenId = parsed.args[0] as bigint;
      this.pkps.set(tokenId, {
        tokenId,
        hex: tokenHex(tokenId),
        publicKey: hexlify(parsed.args[1] as string),
        mint: { tx, block: log.blockNumber, index: log.index },
        owner: null,
        burned: false,
        transfers: [],
        grants: new Map(),
        txs: new Set([tx]),
      });
      return;
    }
    const tokenId = (parsed.name === "Transfer" ? parsed.args[2] : parsed.args[0]) as bigint;
    const pkp = this.pkps.get(tokenId);
    if (pkp === undefined) return; // not a PKP of this PKPNFT (cannot happen with these contracts)
    pkp.txs.add(tx);
    switch (parsed.name) {
      case "Transfer": {
        const from = getAddress(parsed.args[0] as string);
        const to = getAddress(parsed.args[1] as string);
        pkp.transfers.push({ from, to, tx, block: log.blockNumber });
        pkp.owner = to === ZeroAddress ? null : to;
        pkp.burned = to === ZeroAddress && from !== ZeroAddress;
        return;
      }
      case "PermittedAuthMethodAdded": {
        const type = parsed.args[1] as bigint;
        const id = hexlify(parsed.args[2] as string);
        const key = `${type}:${id}`;
        // Scopes survive a removal on chain (Lit's quirk): a re-added method keeps its old ones.
        const scopes = pkp.grants.get(key)?.scopes ?? this.removedScopes(pkp, key) ?? new Set();
        pkp.grants.set(key, {
          type,
          id,
          userPubkey: hexlify(parsed.args[3] as string),
          scopes,
          addedTx: tx,
        });
        return;
      }
      case "PermittedAuthMethodRemoved": {
        const key = `${parsed.args[1] as bigint}:${hexlify(parsed.args[2] as string)}`;
        const grant = pkp.grants.get(key);
        if (grant !== undefined) this.rememberScopes(pkp, key, grant.scopes);
        pkp.grants.delete(key);
        return;
      }
      case "PermittedAuthMethodScopeAdded":
      case "PermittedAuthMethodScopeRemoved": {
        const key = `${parsed.args[1] as bigint}:${hexlify(parsed.args[2] as string)}`;
        const scope = Number(parsed.args[3] as bigint);
        // Scope events come before the method's Added event in the same transaction.
        const scopes = this.pendingScopes(pkp, key);
        if (parsed.name === "PermittedAuthMethodScopeAdded") scopes.add(scope);
        else scopes.delete(scope);
        return;
      }
    }
  }

  /** Scopes by grant key, kept across removals and for grants whose Added event is still ahead. */
  private readonly scopeBook = new Map<bigint, Map<string, Set<number>>>();

  private pendingScopes(pkp: PkpRecord, key: string): Set<number> {
    const granted = pkp.grants.get(key);
    if (granted !== undefined) return granted.scopes;
    let book = this.scopeBook.get(pkp.tokenId);
    if (book === undefined) this.scopeBook.set(pkp.tokenId, (book = new Map()));
    let scopes = book.get(key);
    if (scopes === undefined) book.set(key, (scopes = new Set()));
    return scopes;
  }

  private removedScopes(pkp: PkpRecord, key: string): Set<number> | undefined {
    return this.scopeBook.get(pkp.tokenId)?.get(key);
  }

  private rememberScopes(pkp: PkpRecord, key: string, scopes: Set<number>): void {
    let book = this.scopeBook.get(pkp.tokenId);
    if (book === undefined) this.scopeBook.set(pkp.tokenId, (book = new Map()));
    book.set(key, scopes);
  }
}
