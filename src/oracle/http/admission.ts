/**
 * The bound on requests the service works on at once, shared fairly between clients.
 *
 * A request is admitted once its body is complete (a slow sender holds nothing) and counts until
 * it is answered. Up to `max` requests are admitted whoever sends them. At the bound, a request
 * from a client with fewer requests in progress than the busiest client takes the place of that
 * client's newest request that has not started running: the displaced request is answered 503
 * BUSY (its signal aborts with code BUSY). Otherwise the newcomer gets 503 BUSY. So one client
 * (or a few) filling the bound delays others only until their own requests are shed, and nobody
 * is refused while holding less than its share.
 *
 * Clients are remote addresses here (the authSig of a request is not verified yet when it is
 * admitted); the worker queue then refines fairness by authSig address (runtime/fairQueue.ts).
 */
import { OracleError } from "../errors";

export const DEFAULT_MAX_CONCURRENT = 64;

export interface Admission {
  readonly client: string;
  /** Aborts when the request is shed to make room (reason: an OracleError BUSY). */
  readonly signal: AbortSignal;
  /** The request started its real work (a run has its worker): it is not shed any more. */
  started(): void;
  /** Frees its place. Releasing twice is harmless. */
  release(): void;
}

interface Entry {
  controller: AbortController;
  sheddable: boolean;
}

export class FairAdmission {
  readonly #byClient = new Map<string, Entry[]>();
  #inFlight = 0;
  #shed = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`maxConcurrent must be a positive integer, got ${max}`);
    }
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Requests displaced so far to make room for another client's. */
  get shed(): number {
    return this.#shed;
  }

  /** Requests `client` has in progress. */
  countOf(client: string): number {
    return this.#byClient.get(client)?.length ?? 0;
  }

  /** An admission, or undefined (refuse with 503 BUSY) when the bound is reached fairly. */
  admit(client: string): Admission | undefined {
    if (this.#inFlight >= this.max && !this.#shedFor(client)) return undefined;
    const entry: Entry = { controller: new AbortController(), sheddable: true };
    let entries = this.#byClient.get(client);
    if (entries === undefined) {
      entries = [];
      this.#byClient.set(client, entries);
    }
    entries.push(entry);
    this.#inFlight++;
    let released = false;
    return {
      client,
      signal: entry.controller.signal,
      started: () => {
        entry.sheddable = false;
      },
      release: () => {
        if (released) return;
        released = true;
        this.#remove(client, entry);
      },
    };
  }

  /** Displaces the newest sheddable request of the busiest client if `client` holds fewer. */
  #shedFor(client: string): boolean {
    const own = this.countOf(client);
    let busiest: { client: string; entries: Entry[] } | undefined;
    for (const [other, entries] of this.#byClient) {
      if (other === client || !entries.some((e) => e.sheddable)) continue;
      if (busiest === undefined || entries.length > busiest.entries.length) {
        busiest = { client: other, entries };
      }
    }
    if (busiest === undefined || busiest.entries.length <= own + 1) return false;
    const victim = [...busiest.entries].reverse().find((e) => e.sheddable) as Entry;
    this.#remove(busiest.client, victim);
    this.#shed++;
    victim.controller.abort(
      new OracleError(
        "BUSY",
        `the oracle is working on ${this.max} requests and this client has the most of them; retry shortly`,
      ),
    );
    return true;
  }

  #remove(client: string, entry: Entry): void {
    const entries = this.#byClient.get(client);
    const index = entries?.indexOf(entry) ?? -1;
    if (entries === undefined || index < 0) return;
    entries.splice(index, 1);
    this.#inFlight--;
    if (entries.length === 0) this.#byClient.delete(client);
  }
}
