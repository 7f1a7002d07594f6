/**
 * Every PKP of the deployment, from its contracts' logs: PKPMinted and Transfer from PKPNFT, the
 * auth-method events from PKPPermissions. The logs are read in chunks of `logChunkBlocks` (the
 * verifier's chunked search, src/proof/chainLogs.ts) from the contracts' creation blocks, and
 * later only the new blocks are read.
 *
 * The index is for listing and filtering; the PKP view reads grants from the chain's views, and
 * only a proof's verification establishes what a mint/grant/burn PKP can sign.
 */
import { ZeroAddress, dataSlice, getAddress, keccak256 } from "ethers";
import { scanLogs, type LogScanProgress } from "../../src/proof/chainLogs";
import { AUTH_METHOD_ACTION } from "../../src/protocol";
import type { ExplorerConfig } from "./api";
import { rawLogSource, type ChainState, type DeploymentContracts } from "./chain";
import { tokenHex } from "./format";
import { EventDecoder, type IndexedEvent } from "./logEvents";

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
  event: IndexedEvent;
  tx: string;
  block: number;
  index: number;
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
  private readonly decoder: EventDecoder;

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
    this.decoder = new EventDecoder(contracts.pkpNft.interface, contracts.pkpPermissions.interface);
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
      provider: rawLogSource(),
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
        topics: [this.decoder.topicsOf(nft)],
      }),
      scanLogs({
        ...common,
        label: "PKPPermissions grants",
        address: this.config.contracts.PKPPermissions.address,
        topics: [this.decoder.topicsOf(permissions)],
      }),
    ]);
    const fetched = performance.now();
    const all = [...nftLogs, ...permissionLogs].sort(
      (a, b) => a.blockNumber - b.blockNumber || a.index - b.index,
    );
    const decoded: Decoded[] = [];
    for (const log of all) {
      const event = this.decoder.decode(log);
      if (event === undefined) continue;
      decoded.push({
        event,
        tx: log.transactionHash.toLowerCase(),
        block: log.blockNumber,
        index: log.index,
      });
    }
    // Mints first: a contract that emitted Transfer before PKPMinted would still be indexed.
    for (const entry of decoded) if (entry.event.kind === "minted") this.apply(entry);
    for (const entry of decoded) if (entry.event.kind !== "minted") this.apply(entry);
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

  private apply({ event, tx, block, index }: Decoded): void {
    if (event.kind === "minted") {
      this.pkps.set(event.tokenId, {
        tokenId: event.tokenId,
        hex: tokenHex(event.tokenId),
        publicKey: event.publicKey,
        mint: { tx, block, index },
        owner: null,
        burned: false,
        transfers: [],
        grants: new Map(),
        txs: new Set([tx]),
      });
      return;
    }
    const pkp = this.pkps.get(event.tokenId);
    if (pkp === undefined) return; // not a PKP of this PKPNFT (cannot happen with these contracts)
    pkp.txs.add(tx);
    switch (event.kind) {
      case "transfer":
        pkp.transfers.push({ from: event.from, to: event.to, tx, block });
        pkp.owner = event.to === ZeroAddress ? null : event.to;
        pkp.burned = event.to === ZeroAddress && event.from !== ZeroAddress;
        return;
      case "added": {
        const key = `${event.type}:${event.id}`;
        // Scopes survive a removal on chain (Lit's quirk): a re-added method keeps its old ones.
        const scopes = pkp.grants.get(key)?.scopes ?? this.removedScopes(pkp, key) ?? new Set();
        pkp.grants.set(key, {
          type: event.type,
          id: event.id,
          userPubkey: event.userPubkey,
          scopes,
          addedTx: tx,
        });
        return;
      }
      case "removed": {
        const key = `${event.type}:${event.id}`;
        const grant = pkp.grants.get(key);
        if (grant !== undefined) this.rememberScopes(pkp, key, grant.scopes);
        pkp.grants.delete(key);
        return;
      }
      case "scope-added":
      case "scope-removed": {
        // Scope events come before the method's Added event in the same transaction.
        const scopes = this.pendingScopes(pkp, `${event.type}:${event.id}`);
        if (event.kind === "scope-added") scopes.add(event.scope);
        else scopes.delete(event.scope);
        return;
      }
    }
  }

  /** Scopes by grant key, kept across removals and for grants whose Added event is still ahead. */
  private readonly scopeBook = new Map<bigint, Map<string, Set<number>>>();

  private bookOf(pkp: PkpRecord): Map<string, Set<number>> {
    let book = this.scopeBook.get(pkp.tokenId);
    if (book === undefined)
      this.scopeBook.set(pkp.tokenId, (book = new Map<string, Set<number>>()));
    return book;
  }

  private pendingScopes(pkp: PkpRecord, key: string): Set<number> {
    const granted = pkp.grants.get(key);
    if (granted !== undefined) return granted.scopes;
    const book = this.bookOf(pkp);
    let scopes = book.get(key);
    if (scopes === undefined) book.set(key, (scopes = new Set()));
    return scopes;
  }

  private removedScopes(pkp: PkpRecord, key: string): Set<number> | undefined {
    return this.scopeBook.get(pkp.tokenId)?.get(key);
  }

  private rememberScopes(pkp: PkpRecord, key: string, scopes: Set<number>): void {
    this.bookOf(pkp).set(key, scopes);
  }
}
