/**
 * Who waits for a worker, and who goes next: the fairness of the action runtime.
 *
 * Clients are identified at two levels: a `group` (the HTTP service uses the remote address) and,
 * within it, a `member` (the address an authSig proved, when the request carries one). When a
 * worker frees up, the next run is the oldest waiting run of
 *   1. the group with the fewest runs in progress (ties: the group served least recently), among
 *      groups below `maxRunningPerGroup`; then, within that group,
 *   2. the member with the fewest runs in progress (ties: served least recently).
 * So a client that floods the queue only ever waits behind itself: a newcomer with nothing running
 * goes first, and many authSig identities from one address share that address's turn.
 */

/** Who a run is for. Runs without one share the group "" (the library's own callers). */
export interface RunClient {
  /** The outer identity (the service: remote address). */
  group: string;
  /** The inner identity within the group (the service: the authSig address), if any. */
  member?: string;
}

interface Turns {
  running: number;
  /** The dispatch counter when this was last served (0: never). */
  lastServed: number;
}

interface MemberQueue<T> extends Turns {
  waiting: Array<Waiting<T>>;
}

interface GroupQueue<T> extends Turns {
  waiting: number;
  members: Map<string, MemberQueue<T>>;
}

/** A handle to a waiting item, to take it out of the queue (cancelled, timed out). */
export interface Waiting<T> {
  readonly item: T;
  readonly client: Required<RunClient>;
}

function normalise(client: RunClient | undefined): Required<RunClient> {
  return { group: client?.group ?? "", member: client?.member ?? "" };
}

/** The one with the fewest in progress, then the one served least recently. */
function fairest<V extends Turns>(candidates: Iterable<[string, V]>): [string, V] | undefined {
  let best: [string, V] | undefined;
  for (const entry of candidates) {
    const [, turns] = entry;
    if (
      best === undefined ||
      turns.running < best[1].running ||
      (turns.running === best[1].running && turns.lastServed < best[1].lastServed)
    ) {
      best = entry;
    }
  }
  return best;
}

export class FairQueue<T> {
  readonly #groups = new Map<string, GroupQueue<T>>();
  #served = 0;
  #waiting = 0;

  constructor(readonly maxRunningPerGroup: number) {}

  /** Items waiting, all clients together. */
  get size(): number {
    return this.#waiting;
  }

  push(client: RunClient | undefined, item: T): Waiting<T> {
    const normalised = normalise(client);
    const member = this.#member(normalised);
    const waiting: Waiting<T> = { item, client: normalised };
    member.waiting.push(waiting);
    this.#group(normalised.group).waiting++;
    this.#waiting++;
    return waiting;
  }

  /** Takes a waiting item out (it will not be dispatched). False if it was not waiting. */
  remove(waiting: Waiting<T>): boolean {
    const group = this.#groups.get(waiting.client.group);
    const member = group?.members.get(waiting.client.member);
    const index = member?.waiting.indexOf(waiting) ?? -1;
    if (group === undefined || member === undefined || index < 0) return false;
    member.waiting.splice(index, 1);
    group.waiting--;
    this.#waiting--;
    this.#forgetIfIdle(waiting.client);
    return true;
  }

  /** How many waiting items could start now if workers were free (their group's cap allows). */
  dispatchable(): number {
    let count = 0;
    for (const group of this.#groups.values()) {
      count += Math.min(group.waiting, Math.max(0, this.maxRunningPerGroup - group.running));
    }
    return count;
  }

  /**
   * Takes the next item to run (see the top of the file) and counts it as running for its
   * client; undefined if every waiting client is at its cap (or none waits).
   */
  next(): Waiting<T> | undefined {
    const groups = [...this.#groups].filter(
      ([, g]) => g.waiting > 0 && g.running < this.maxRunningPerGroup,
    );
    const chosenGroup = fairest(groups);
    if (chosenGroup === undefined) return undefined;
    const [, group] = chosenGroup;
    const chosenMember = fairest([...group.members].filter(([, m]) => m.waiting.length > 0));
    if (chosenMember === undefined) return undefined;
    const [, member] = chosenMember;
    const waiting = member.waiting.shift() as Waiting<T>;
    group.waiting--;
    this.#waiting--;
    this.#served++;
    group.lastServed = member.lastServed = this.#served;
    group.running++;
    member.running++;
    return waiting;
  }

  /** Counts a run of `client` as over (pair of a `next()` that returned it). */
  finished(client: Required<RunClient>): void {
    const group = this.#groups.get(client.group);
    const member = group?.members.get(client.member);
    if (group === undefined || member === undefined) return;
    group.running = Math.max(0, group.running - 1);
    member.running = Math.max(0, member.running - 1);
    this.#forgetIfIdle(client);
  }

  /** Removes and returns everything waiting (the pool is closing). */
  drain(): Array<Waiting<T>> {
    const all: Array<Waiting<T>> = [];
    for (const group of this.#groups.values()) {
      for (const member of group.members.values()) all.push(...member.waiting.splice(0));
      group.waiting = 0;
    }
    this.#waiting = 0;
    return all;
  }

  #group(name: string): GroupQueue<T> {
    let group = this.#groups.get(name);
    if (group === undefined) {
      group = { running: 0, lastServed: 0, waiting: 0, members: new Map() };
      this.#groups.set(name, group);
    }
    return group;
  }

  #member(client: Required<RunClient>): MemberQueue<T> {
    const group = this.#group(client.group);
    let member = group.members.get(client.member);
    if (member === undefined) {
      member = { running: 0, lastServed: 0, waiting: [] };
      group.members.set(client.member, member);
    }
    return member;
  }

  /**
   * Forgets a client with nothing waiting or running, so the maps stay as small as the set of
   * active clients. (Its "served least recently" standing goes with it: a returning client counts
   * as never served, which only matters in a tie with clients that have nothing running either.)
   */
  #forgetIfIdle(client: Required<RunClient>): void {
    const group = this.#groups.get(client.group);
    const member = group?.members.get(client.member);
    if (group === undefined || member === undefined) return;
    if (member.running === 0 && member.waiting.length === 0) group.members.delete(client.member);
    if (group.running === 0 && group.waiting === 0) this.#groups.delete(client.group);
  }
}
