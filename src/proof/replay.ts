/**
 * Running a bundle's action again for the reproduction check, through the oracle's own
 * authorization path: a block pinned by the oracle's ChainReader, the oracle's ExecutionHost (so
 * every Lit.Actions call is answered and authorized exactly as the oracle answers it), and a
 * keystore that "holds" only the bundle's PKP and signs nothing — the signer records instead.
 *
 * What the action received from outside the chain — fetch responses, JSON-RPC answers, child
 * actions' code — comes from the bundle's recordings (a ReplayWorld, ./replayWorld.ts), never
 * from the network.
 *
 * What differs between the CLI and the explorer's page is only what runs the sandbox, the
 * ActionRunner: the oracle's ActionRuntime (QuickJS on worker threads) in `pkp:verify-proof`, a
 * Web Worker with the same QuickJS sandbox in the browser. This module imports nothing node-only.
 */
import type { Provider } from "ethers";
import { cidOfCode } from "../cid";
import { authContextFor, type RecordedCaller } from "../oracle/auth/callerRecord";
import { ChainReader, type OracleContracts } from "../oracle/chainView";
import { OracleError, toOracleError } from "../oracle/errors";
import { ExecutionHost, type DigestSigner } from "../oracle/executionHost";
import { DEFAULT_FETCH_LIMITS } from "../oracle/fetch/limits";
import type { Keystore, StoredKey } from "../oracle/keystore";
import type { ExecuteResult } from "../oracle/oracle";
import type { ActionOutcome, ActionRunInput } from "../oracle/runtime/actionRuntime";
import type { LitSignature } from "../oracle/signing";
import { replayChains, type ReplayWorld } from "./replayWorld";

/** What runs an action's code in a sandbox: ActionRuntime satisfies it; so does the browser's. */
export interface ActionRunner {
  /** Resolves with the outcome, or rejects with an ActionFailure (the runtime's error type). */
  run(input: ActionRunInput): Promise<ActionOutcome>;
}

/**
 * Stands in for the oracle's keystore: it "holds" only the bundle's PKP (so the execution reaches
 * authorization and the signer) and can sign nothing.
 */
class NoKeysKeystore implements Keystore {
  constructor(private readonly tokenId: bigint) {}
  has(tokenId: bigint): boolean {
    return tokenId === this.tokenId;
  }
  list(): StoredKey[] {
    return [];
  }
  get(): StoredKey | undefined {
    return undefined;
  }
  generate(): Promise<StoredKey> {
    return Promise.reject(new Error("the proof verifier holds no keys"));
  }
  signDigest(): LitSignature {
    throw new Error("the proof verifier holds no keys");
  }
  retire(): Promise<StoredKey> {
    return Promise.reject(new Error("the proof verifier holds no keys"));
  }
  deriveSecret(): Uint8Array {
    throw new Error("the proof verifier holds no secrets");
  }
}

export interface ReplayInput {
  contracts: OracleContracts;
  provider: Provider;
  runner: ActionRunner;
  /** The bundle's PKP: the only key the replay "holds". */
  tokenId: bigint;
  /** The bundle's chain id (the oracle's own chain in getRpcUrl, conditions, …). */
  chainId: bigint;
  code: string;
  ipfsId: string;
  jsParams: Record<string, unknown>;
  /** Who the action saw as its caller when the bundle was made (none: nobody). */
  caller?: RecordedCaller;
  /** Called instead of signing, after the oracle's authorization allowed the signature. */
  signer: DigestSigner;
}

/** Builds replays that share one ChainReader (pins and cached reads) for one verification. */
export class ActionReplayer {
  private readonly reader: ChainReader;

  constructor(
    private readonly base: Omit<ReplayInput, "code" | "ipfsId" | "jsParams" | "caller" | "signer">,
  ) {
    this.reader = new ChainReader(base.contracts, base.provider);
  }

  /**
   * Runs the action once, as the oracle's `execute` would with this code and ipfsId: code that
   * does not hash to ipfsId is refused (CODE_CID_MISMATCH). Never throws: a refusal is
   * `{ success: false, error }` with the oracle's code.
   */
  async execute(
    request: Pick<ReplayInput, "code" | "ipfsId" | "jsParams" | "caller">,
    signer: DigestSigner,
    world: ReplayWorld,
  ): Promise<ExecuteResult> {
    try {
      const computed = await cidOfCode(request.code);
      if (computed !== request.ipfsId) {
        throw new OracleError(
          "CODE_CID_MISMATCH",
          `the code hashes to ${computed}, not to the given ipfsId ${request.ipfsId}`,
        );
      }
      const view = await this.reader.pin();
      const host = new ExecutionHost({
        view,
        keystore: new NoKeysKeystore(this.base.tokenId),
        chainId: this.base.chainId,
        signer,
        world,
        chains: replayChains(this.base.chainId, world.records),
        fetchLimits: { ...DEFAULT_FETCH_LIMITS },
      });
      const outcome = await this.base.runner.run({
        code: request.code,
        ipfsId: request.ipfsId,
        jsParams: request.jsParams,
        host,
        // Lit.Auth as the oracle built it: the recorded caller (the oracle's word), this CID.
        auth: authContextFor(request.ipfsId, request.caller),
      });
      return {
        success: true,
        signatures: outcome.signatures as unknown as Record<string, LitSignature>,
        response: outcome.response,
        logs: outcome.logs,
      };
    } catch (error) {
      const refusal = toOracleError(error);
      return { success: false, error: { code: refusal.code, message: refusal.message } };
    }
  }
}
