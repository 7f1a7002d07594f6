/**
 * The world of a proof bundle's execution, replayed: the reproduction check re-runs the action
 * with a `ReplayWorld`, which answers every fetch, JSON-RPC call and child-action load from the
 * bundle's `execution.recordings`, in the order they were recorded, instead of reaching the
 * network. The action must ask for exactly what it asked the first time (same URL, method,
 * headers and body hashes; same chain, method and params; same CIDs); anything else — including
 * a request the bundle has no recording for — ends the re-execution with NOT_REPRODUCIBLE and a
 * message naming the request, so the check reports why. No node-only import.
 */
import { cidOfCode } from "../cid";
import { Chains, type ChainsConfig } from "../oracle/chains";
import { fromBase64, type ExternalRecord } from "../oracle/recordings";
import {
  FetchError,
  ReplayMismatchError,
  fetchRecordRequest,
  type FetchAnswer,
  type FetchRequest,
  type RpcAnswer,
  type World,
} from "../oracle/world";

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A block reference by hash (EIP-1898): how the oracle reads the block it pinned. */
function isPinnedBlock(value: unknown): value is { blockHash: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { blockHash?: unknown }).blockHash === "string"
  );
}

/**
 * RPC params with the pinned block's hash left out: a re-execution pins another block than the
 * oracle did, so a read of "the pinned block" matches the recorded read of the oracle's pinned
 * block (and is answered with what the oracle read there).
 */
function withoutPinnedBlock(params: unknown[]): unknown[] {
  return params.map((param) => (isPinnedBlock(param) ? { blockHash: "(pinned)" } : param));
}

/**
 * The chains the replayed action may name: the bundle's chain under the names the oracle gives
 * its own chain by default (`localhost`, the chain id) and every chain the recordings name — as
 * the own chain where the oracle read it at its pinned block, else as another chain (whose URL
 * is a placeholder: the replay never reaches it, its answers are the recorded ones).
 */
export function replayChains(chainId: bigint, records: readonly ExternalRecord[]): Chains {
  const config: ChainsConfig = {};
  const own = new Set(["localhost", chainId.toString()]);
  for (const record of records) {
    if (record.kind !== "rpc" || own.has(record.chain)) continue;
    if (record.params.some(isPinnedBlock)) config[record.chain] = "self";
    else config[record.chain] ??= `http://oracle-rpc.invalid/${encodeURIComponent(record.chain)}`;
  }
  const offline = {
    send: () => Promise.reject(new Error("a replay reads nothing live: its answers are recorded")),
  };
  return new Chains({ name: "localhost", chainId, rpc: offline }, config);
}

export class ReplayWorld implements World {
  private next = 0;

  constructor(readonly records: readonly ExternalRecord[]) {}

  /** How many records the re-execution used, of how many. */
  usage(): { used: number; recorded: number } {
    return { used: this.next, recorded: this.records.length };
  }

  private take(what: string): ExternalRecord {
    const index = this.next++;
    const record = this.records[index];
    if (record === undefined) {
      throw new ReplayMismatchError(
        `the action asked for ${what} (request #${index + 1}), but the bundle records ` +
          `${this.records.length === 0 ? "no responses" : `only ${this.records.length}`}: a bundle ` +
          "of an action that fetches or reads a chain must carry the oracle's recordings",
      );
    }
    return record;
  }

  async fetch(request: FetchRequest): Promise<FetchAnswer> {
    const what = `${request.method} ${request.url}`;
    const record = this.take(what);
    const expected = fetchRecordRequest(request);
    if (record.kind !== "fetch" || !same(record.request, expected)) {
      throw new ReplayMismatchError(
        `the action asked for ${what}, but the bundle's next recording is ${describe(record)}`,
      );
    }
    if ("error" in record) {
      throw new FetchError(
        record.error.code === "FETCH_REFUSED" ? "FETCH_REFUSED" : "FETCH_FAILED",
        record.error.message,
      );
    }
    const { response } = record;
    const body = response.body === undefined ? undefined : fromBase64(response.body);
    if (body === undefined) {
      throw new ReplayMismatchError(
        `the bundle records only the hash of the response to ${what} (${response.bodyBytes} bytes, ` +
          "more than the oracle keeps): it cannot be replayed",
      );
    }
    return {
      status: response.status,
      statusText: response.statusText,
      url: response.url,
      redirected: response.redirected,
      headers: response.headers,
      body,
    };
  }

  async rpc(chain: string, method: string, params: unknown[]): Promise<RpcAnswer> {
    const what = `${method} on ${chain}`;
    const record = this.take(what);
    if (
      record.kind !== "rpc" ||
      record.chain !== chain ||
      record.method !== method ||
      !same(withoutPinnedBlock(record.params), withoutPinnedBlock(params))
    ) {
      throw new ReplayMismatchError(
        `the action asked for ${what} ${JSON.stringify(params).slice(0, 200)}, but the bundle's next recording is ${describe(record)}`,
      );
    }
    return record.error !== undefined ? { error: record.error } : { result: record.result };
  }

  async loadAction(ipfsId: string): Promise<string | undefined> {
    const what = `the code of action ${ipfsId} (Lit.Actions.call)`;
    const record = this.take(what);
    if (record.kind !== "action" || record.ipfsId !== ipfsId) {
      throw new ReplayMismatchError(
        `the action asked for ${what}, but the bundle's next recording is ${describe(record)}`,
      );
    }
    if (record.code !== undefined && (await cidOfCode(record.code)) !== ipfsId) {
      throw new ReplayMismatchError(
        `the bundle's code for action ${ipfsId} does not hash to that CID`,
      );
    }
    return record.code;
  }
}

function describe(record: ExternalRecord): string {
  switch (record.kind) {
    case "fetch":
      return `a fetch of ${record.request.method} ${record.request.url}`;
    case "rpc":
      return `${record.method} on ${record.chain}`;
    case "action":
      return `the code of action ${record.ipfsId}`;
  }
}
