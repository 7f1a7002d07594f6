/**
 * The indexer's events, decoded from raw logs. The six events it reads have fixed layouts (their
 * ABI is in the artifacts shipped with the page), and decoding a few thousand logs with the
 * generic ABI decoder was most of the time the list of 1,000 PKPs took to appear; so the layouts
 * are read directly here, with bounds checked, and anything that does not fit is decoded by the
 * generic decoder instead (same result, only slower).
 */
import { getAddress, type Interface, type Log, type LogDescription } from "ethers";
import { CodedError } from "../../src/codedError";

export type IndexedEvent =
  | { kind: "minted"; tokenId: bigint; publicKey: string }
  | { kind: "transfer"; tokenId: bigint; from: string; to: string }
  | { kind: "added"; tokenId: bigint; type: bigint; id: string; userPubkey: string }
  | { kind: "removed"; tokenId: bigint; type: bigint; id: string }
  | {
      kind: "scope-added" | "scope-removed";
      tokenId: bigint;
      type: bigint;
      id: string;
      scope: number;
    };

type Kind = IndexedEvent["kind"];

const EVENT_KINDS: Record<string, Kind> = {
  PKPMinted: "minted",
  Transfer: "transfer",
  PermittedAuthMethodAdded: "added",
  PermittedAuthMethodRemoved: "removed",
  PermittedAuthMethodScopeAdded: "scope-added",
  PermittedAuthMethodScopeRemoved: "scope-removed",
};

/** A log that does not have its event's fixed layout (then the generic decoder reads it). */
class Layout extends CodedError<"LOG_LAYOUT"> {
  constructor(message: string) {
    super("LOG_LAYOUT", message);
  }
}

/** 32-byte word `index` of hex data (no 0x), as a bigint. */
function word(data: string, index: number): bigint {
  const start = 2 + index * 64;
  if (data.length < start + 64) throw new Layout("short data");
  return BigInt(`0x${data.slice(start, start + 64)}`);
}

/** The ABI `bytes` whose offset is in word `index`. */
function bytesAt(data: string, index: number): string {
  const offset = word(data, index);
  if (offset % 32n !== 0n || offset > BigInt(data.length)) throw new Layout("bad offset");
  const lengthWord = Number(offset / 32n);
  const length = word(data, lengthWord);
  const start = 2 + (lengthWord + 1) * 64;
  if (BigInt(data.length) < BigInt(start) + length * 2n) throw new Layout("bytes past the end");
  return `0x${data.slice(start, start + Number(length) * 2)}`;
}

const checksums = new Map<string, string>();
/** The checksummed address in an indexed topic (few distinct owners: each is hashed once). */
function addressTopic(topic: string): string {
  const lower = `0x${topic.slice(26)}`.toLowerCase();
  let address = checksums.get(lower);
  if (address === undefined) checksums.set(lower, (address = getAddress(lower)));
  return address;
}

/** Decodes logs of PKPNFT and PKPPermissions into the indexer's events. */
export class EventDecoder {
  private readonly kinds = new Map<string, { kind: Kind; iface: Interface }>();

  constructor(pkpNft: Interface, pkpPermissions: Interface) {
    for (const iface of [pkpNft, pkpPermissions]) {
      iface.forEachEvent((event) => {
        const kind = EVENT_KINDS[event.name];
        if (kind !== undefined) this.kinds.set(event.topicHash, { kind, iface });
      });
    }
  }

  /** The topics to ask eth_getLogs for (topic 0) per contract. */
  topicsOf(iface: Interface): string[] {
    return [...this.kinds.entries()].filter(([, k]) => k.iface === iface).map(([topic]) => topic);
  }

  decode(log: Pick<Log, "topics" | "data">): IndexedEvent | undefined {
    const known = this.kinds.get(log.topics[0]);
    if (known === undefined) return undefined;
    try {
      return this.fast(known.kind, log);
    } catch (error) {
      if (!(error instanceof Layout)) throw error;
      const parsed = known.iface.parseLog({ topics: [...log.topics], data: log.data });
      return parsed === null ? undefined : fromDescription(known.kind, parsed);
    }
  }

  private fast(kind: Kind, { topics, data }: Pick<Log, "topics" | "data">): IndexedEvent {
    if (topics.length < 2) throw new Layout("no indexed token id");
    switch (kind) {
      case "minted":
        return { kind, tokenId: BigInt(topics[1]), publicKey: bytesAt(data, 0).toLowerCase() };
      case "transfer":
        if (topics.length !== 4) throw new Layout("not ERC-721's Transfer");
        return {
          kind,
          tokenId: BigInt(topics[3]),
          from: addressTopic(topics[1]),
          to: addressTopic(topics[2]),
        };
      case "added":
        return {
          kind,
          tokenId: BigInt(topics[1]),
          type: word(data, 0),
          id: bytesAt(data, 1).toLowerCase(),
          userPubkey: bytesAt(data, 2).toLowerCase(),
        };
      case "removed":
        return {
          kind,
          tokenId: BigInt(topics[1]),
          type: word(data, 0),
          id: bytesAt(data, 1).toLowerCase(),
        };
      case "scope-added":
      case "scope-removed":
        return {
          kind,
          tokenId: BigInt(topics[1]),
          type: word(data, 0),
          id: bytesAt(data, 1).toLowerCase(),
          scope: Number(word(data, 2)),
        };
    }
  }
}

/** The same event from the generic decoder (the fallback). */
function fromDescription(kind: Kind, parsed: LogDescription): IndexedEvent {
  const a = parsed.args;
  const hex = (value: unknown) => String(value).toLowerCase();
  switch (kind) {
    case "minted":
      return { kind, tokenId: a[0] as bigint, publicKey: hex(a[1]) };
    case "transfer":
      return {
        kind,
        tokenId: a[2] as bigint,
        from: getAddress(a[0] as string),
        to: getAddress(a[1] as string),
      };
    case "added":
      return {
        kind,
        tokenId: a[0] as bigint,
        type: a[1] as bigint,
        id: hex(a[2]),
        userPubkey: hex(a[3]),
      };
    case "removed":
      return { kind, tokenId: a[0] as bigint, type: a[1] as bigint, id: hex(a[2]) };
    case "scope-added":
    case "scope-removed":
      return {
        kind,
        tokenId: a[0] as bigint,
        type: a[1] as bigint,
        id: hex(a[2]),
        scope: Number(a[3] as bigint),
      };
  }
}
