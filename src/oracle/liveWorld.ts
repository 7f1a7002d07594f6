/**
 * The world as the oracle reaches it for real: HTTP through the host's fetch (allow-list,
 * limits), JSON-RPC of the configured chains, and the oracle's action store. One per execution:
 * `close()` (the run ended) cancels the fetches still in flight.
 */
import type { ActionStore } from "./actionStore";
import type { Chains } from "./chains";
import { OracleError } from "./errors";
import type { HostFetcher } from "./fetch/hostFetch";
import type { FetchAnswer, FetchRequest, RpcAnswer, World } from "./world";
import { messageOf } from "../errorText";

export class LiveWorld implements World {
  private readonly abort = new AbortController();

  constructor(
    private readonly fetcher: HostFetcher,
    private readonly chains: Chains,
    private readonly actions: ActionStore,
  ) {}

  fetch(request: FetchRequest): Promise<FetchAnswer> {
    return this.fetcher.fetch(request, this.abort.signal);
  }

  async rpc(chain: string, method: string, params: unknown[]): Promise<RpcAnswer> {
    try {
      return await this.chains.send(chain, method, params);
    } catch (error) {
      throw new OracleError(
        "CHAIN_UNAVAILABLE",
        `cannot reach chain ${chain}: ${messageOf(error)}`,
      );
    }
  }

  loadAction(ipfsId: string): Promise<string | undefined> {
    return this.actions.get(ipfsId);
  }

  /** The run is over: cancel what is still in flight. */
  close(): void {
    this.abort.abort();
  }
}
