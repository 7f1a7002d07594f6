/**
 * The signing oracle as a library: what the HTTP service, the tests and the demo all use, with any
 * ethers provider (Hardhat's in-process network included).
 *
 *   const oracle = new SigningOracle({ contracts, provider, chainId, keystore });
 *   const result = await oracle.execute({ code, jsParams });   // Lit's executeJs result shape
 *   await oracle.close();
 *
 * Every method resolves with a Lit-shaped result; refusals are `{ success: false, error }` with a
 * stable code (see errors.ts), never a thrown exception.
 */
import { createHash } from "node:crypto";
import { ethers } from "ethers";
import { isCidV0 } from "../cid";
import { messageOf } from "../errorText";
import { MemoryActionStore, VerifiedCodeCache, type ActionStore } from "./actionStore";
import { AuthMethodVerifier, type AuthMethod } from "./auth/authMethods";
import { ClaimIssuer, type ClaimSignature, type ClaimsOptions, type LitClaim } from "./auth/claims";
import { Authenticator, hasCredential } from "./auth/authenticator";
import { OidcVerifier, type OidcOptions } from "./auth/oidc";
import { DEFAULT_MAX_REPLAY_ENTRIES, ReplayGuard } from "./auth/replayGuard";
import type { SessionRequest, SessionSig, SessionSuccess } from "./auth/sessionFormat";
import { SessionIssuer } from "./auth/sessionIssuer";
import { SessionKeys } from "./auth/sessionKeys";
import { SessionVerifier } from "./auth/sessionVerifier";
import { recordedCallerOf, type RecordedCaller } from "./auth/callerRecord";
import { SCOPE_SIGN_ANYTHING } from "../protocol";
import { authorizeHeldKey } from "./authorization";
import { verifyAuthSig, type AuthSig, type AuthSigRules } from "./authSig";
import { Chains, type ChainsConfig, type RawRpc } from "./chains";
import { ChainReader, type OracleContracts, type PinnedChainView } from "./chainView";
import { ConditionalEncryption, conditionCallerOf } from "./conditions/caller";
import {
  IDENTITY_PREFIX,
  conditionListOf,
  encryptionIdentity,
  type ConditionKind,
} from "./conditions/canonical";
import { OracleError, toOracleError, type OracleErrorCode } from "./errors";
import { ExecutionHost, type DigestSigner } from "./executionHost";
import { HostFetcher, type Lookup } from "./fetch/hostFetch";
import { DEFAULT_FETCH_LIMITS, parseAllowedOrigin, type FetchLimits } from "./fetch/policy";
import { HostNetwork } from "./hostNetwork";
import type { Keystore } from "./keystore";
import { LiveWorld } from "./liveWorld";
import type { ExternalRecord } from "./recordings";
import { ActionRuntime, DEFAULT_LIMITS, type ActionLimits, type ActionTimings } from "./runtime";
import { normalizeDigest, tokenIdFromPublicKey, type LitSignature } from "./signing";
import { RecordingWorld, type World } from "./world";

/** Lit's sessionSigs: one sessionSig, or one per node address (`{ [nodeAddress]: sessionSig }`). */
export type SessionSigs = SessionSig | Record<string, SessionSig>;

/** Who asks (all optional; sessionSigs exclude the other two). See docs/WALLET.md. */
export interface RequestAuth {
  authSig?: AuthSig;
  /** Lit's auth methods, verified here (Lit's v1 endpoints take them only through a session). */
  authMethods?: AuthMethod[];
  sessionSigs?: SessionSigs;
}

export interface ExecuteRequest extends RequestAuth {
  code?: string;
  ipfsId?: string;
  jsParams?: Record<string, unknown>;
}

export interface PkpSignRequest extends RequestAuth {
  pubKey: string;
  toSign: string | Uint8Array | number[];
}

export interface OracleFailure {
  success: false;
  error: { code: OracleErrorCode; message: string };
}

export interface ExecuteSuccess {
  success: true;
  signatures: Record<string, LitSignature>;
  response: string;
  logs: string;
  /**
   * What the action received from outside the chain's permission state (fetch responses,
   * JSON-RPC answers, child actions' code), in the order it asked; absent when nothing. A proof
   * bundle keeps them so the verifier can replay them (src/oracle/recordings.ts).
   */
  recordings?: ExternalRecord[];
  /** Keys claimed with Lit.Actions.claimKey, by keyId (Lit's shape); only when there are some. */
  claims?: Record<string, LitClaim>;
  /**
   * Who the action saw as its caller (`Lit.Auth` without the CIDs): what the oracle verified, never
   * the credential itself; absent when the request named nobody. A proof bundle keeps it so the
   * verifier's re-execution sees the same caller (src/oracle/auth/callerRecord.ts).
   */
  caller?: RecordedCaller;
}

/** How one execution runs, besides the request. */
export interface ExecuteOptions {
  /** Replaces signing with PKP keys (the proof verifier records what is asked instead). */
  signer?: DigestSigner;
  /** Replaces the live world (the proof verifier replays a bundle's recordings). */
  world?: World;
  /** The client's request headers, shown to the action as `Lit.Headers`. */
  headers?: Record<string, string | string[] | undefined> | Array<[string, string]>;
}

/** `POST /encrypt`: one condition list (Lit's four keys) and the data. */
export type EncryptRequest = Partial<Record<ConditionKind, unknown[]>> & {
  dataToEncrypt: string | Uint8Array | number[];
};

/** `POST /decrypt`: one condition list, the ciphertext and its data hash, the caller's authSig. */
export type DecryptRequest = Partial<Record<ConditionKind, unknown[]>> &
  RequestAuth & {
    ciphertext: string;
    dataToEncryptHash: string;
    chain: string;
  };

export interface ExecuteTimings extends ActionTimings {
  /** Time to resolve the code and verify the authSig, in ms (the pin overlaps the run). */
  prepareMs: number;
}

/** How one execution is run (all optional). */
export interface ExecuteOptions {
  /** Replaces signing (the proof verifier records requests instead of signing). */
  signer?: DigestSigner;
  /**
   * Who asks, for fair scheduling: the HTTP service passes the remote address. The address an
   * authSig proves is added by the oracle (fairness within that client, see runtime/fairQueue.ts).
   */
  client?: string;
  /** Aborting it cancels the execution (queued or running): CANCELLED, or BUSY if so given. */
  signal?: AbortSignal;
  /** Overrides the runtime's bound on waiting for a worker (BUSY past it). */
  maxQueueMs?: number;
  /** Called when the run starts (it has its worker; the chain is pinned now). */
  onRunStart?: () => void;
}

export interface PkpSignSuccess {
  success: true;
  signature: LitSignature;
}

export type ExecuteResult = ExecuteSuccess | OracleFailure;
export type PkpSignResult = PkpSignSuccess | OracleFailure;
export type EncryptResult =
  { success: true; ciphertext: string; dataToEncryptHash: string } | OracleFailure;
/** `decryptedData` is base64; `decryptedString` the same bytes as UTF-8 text when they are. */
export type DecryptResult =
  { success: true; decryptedData: string; decryptedString: string | null } | OracleFailure;

/** `POST /pkp/claim`: Lit's claimKeyId for an auth method (docs/WALLET.md "Claimed keys"). */
export interface ClaimRequest {
  authMethod: AuthMethod;
}

/** Lit SDK's ClaimKeyResponse without `mintTx`: what `claimAndMint` needs. */
export interface ClaimSuccess {
  success: true;
  /** The derived key id (= the auth method id), 64 hex without 0x, as Lit's SDK gives it. */
  claimedKeyId: string;
  /** The key routed for it (0x04…). */
  pubkey: string;
  signatures: ClaimSignature[];
}

export type ClaimResult = ClaimSuccess | OracleFailure;
export type SessionResult = SessionSuccess | OracleFailure;

export interface SigningOracleOptions {
  contracts: OracleContracts;
  provider: ethers.Provider;
  chainId: bigint | number;
  keystore: Keystore;
  actions?: ActionStore;
  /** A runtime to share; by default the oracle creates (and closes) its own. */
  runtime?: ActionRuntime;
  limits?: Partial<ActionLimits>;
  poolSize?: number;
  /**
   * Actions' `fetch`: the allowed origins (default none: fetch refuses everything), the limits
   * (DEFAULT_FETCH_LIMITS) and, for tests, the DNS resolver.
   */
  fetch?: { allow?: string[]; limits?: Partial<FetchLimits>; lookup?: Lookup };
  /** The own chain's name for getRpcUrl & co. (default "localhost"; its chain id also works). */
  chainName?: string;
  /** The own chain's RPC URL as getRpcUrl gives it (default: a placeholder only we answer). */
  rpcUrl?: string;
  /** More chains: name → RPC URL, or "self" for another name of the own chain. */
  chains?: ChainsConfig;
  /** authSig rules: lifetime, clock skew, domains (see authSig.ts for the defaults). */
  authSig?: AuthSigRules;
  /** Trusted OIDC issuers for ID-token auth methods (default: Google's, with no client id). */
  oidc?: OidcOptions;
  /**
   * Claimed keys (Lit.Actions.claimKey, POST /pkp/claim): the router connected to the oracle's
   * key-provider account, and that account as the claims' validator. Absent: CLAIMS_UNAVAILABLE.
   */
  claims?: ClaimsOptions;
  /** Sessions (POST /pkp/session): capability lifetime, nonce age, replay memory. */
  sessions?: {
    /** Longest capability, in ms (default 24 h). */
    maxLifetimeMs?: number;
    /** How old (in blocks) a session SIWE's nonce block may be (default 256). */
    nonceMaxAgeBlocks?: number;
    /** Unexpired sessionSigs remembered at most (default 100,000). */
    maxReplayEntries?: number;
  };
}

export class SigningOracle {
  readonly chainId: bigint;
  readonly actions: ActionStore;
  private readonly runtime: ActionRuntime;
  private readonly ownsRuntime: boolean;
  private readonly codeBytesLimit: number;
  /** Pins blocks and caches reads per pinned block, shared by all executions. */
  private readonly chain: ChainReader;
  /** Code sent with requests that was already hashed: sent again, it is not hashed again. */
  private readonly verifiedCode = new VerifiedCodeCache();
  /** Timings of the last execution (for benchmarks and logs). */
  lastTimings: ExecuteTimings | undefined;
  readonly chains: Chains;
  private readonly fetcher: HostFetcher;
  private readonly fetchLimits: FetchLimits;
  /** ID-token verification (its JWKS caches): docs/WALLET.md. */
  readonly oidc: OidcVerifier;
  /** Verifies sessionSigs; `acceptNodeAddress(url)` lets them name this oracle by its URL. */
  readonly sessions: SessionVerifier;
  private readonly sessionIssuer: SessionIssuer;
  private readonly sessionKeys: SessionKeys;
  private readonly authenticator: Authenticator;
  private readonly authMethods: AuthMethodVerifier;
  private readonly claims: ClaimIssuer | undefined;

  constructor(private readonly options: SigningOracleOptions) {
    this.chainId = BigInt(options.chainId);
    this.actions = options.actions ?? new MemoryActionStore();
    this.ownsRuntime = options.runtime === undefined;
    this.runtime =
      options.runtime ?? new ActionRuntime({ poolSize: options.poolSize, limits: options.limits });
    this.codeBytesLimit = options.limits?.codeBytes ?? DEFAULT_LIMITS.codeBytes;
    this.chain = new ChainReader(options.contracts, options.provider);
    this.chains = new Chains(
      {
        name: options.chainName ?? "localhost",
        chainId: this.chainId,
        rpc: rawRpcOf(options.provider),
        rpcUrl: options.rpcUrl,
      },
      options.chains,
    );
    this.fetchLimits = { ...DEFAULT_FETCH_LIMITS, ...options.fetch?.limits };
    this.fetcher = new HostFetcher({
      allow: new Set((options.fetch?.allow ?? []).map(parseAllowedOrigin)),
      limits: this.fetchLimits,
      lookup: options.fetch?.lookup,
    });
    this.oidc = new OidcVerifier(options.oidc);
    const checkAuthSig = (authSig: unknown) =>
      verifyAuthSig(authSig, { ...options.authSig, chainId: Number(this.chainId) });
    const methods = new AuthMethodVerifier(this.oidc, checkAuthSig);
    this.authMethods = methods;
    this.claims =
      options.claims !== undefined ? new ClaimIssuer(options.keystore, options.claims) : undefined;
    const pin = () => this.chain.pin();
    this.sessionKeys = new SessionKeys(options.keystore, this.chainId);
    this.sessions = new SessionVerifier({
      chainId: this.chainId,
      keys: this.sessionKeys,
      guard: new ReplayGuard(options.sessions?.maxReplayEntries ?? DEFAULT_MAX_REPLAY_ENTRIES),
      pin,
      startedAt: Date.now(),
    });
    this.sessionIssuer = new SessionIssuer({
      chainId: this.chainId,
      keystore: options.keystore,
      keys: this.sessionKeys,
      provider: options.provider,
      pin,
      authMethods: methods,
      maxLifetimeMs: options.sessions?.maxLifetimeMs,
      nonceMaxAgeBlocks: options.sessions?.nonceMaxAgeBlocks,
    });
    this.authenticator = new Authenticator(checkAuthSig, methods, this.sessions);
  }

  /** What a sessionSig's `nodeAddress` must be for this oracle (its keystore on its chain). */
  get nodeAddress(): string {
    return this.sessionKeys.nodeAddress;
  }

  get contracts(): OracleContracts {
    return this.options.contracts;
  }

  /** JSON-RPC calls made for executions so far: block pins, eth_calls, answers cached. */
  chainStats(): { pins: number; reads: number; cachedReads: number } {
    return this.chain.stats();
  }

  /**
   * Runs a Lit Action (`code`, or `ipfsId` of stored code, or both if they agree). The chain is
   * read at a block pinned when the run starts, i.e. once it has its worker, after any wait.
   */
  async execute(
    request: ExecuteRequest,
    options: ExecuteOptions | DigestSigner = {},
  ): Promise<ExecuteResult> {
    const { signer, world, headers, client, signal, maxQueueMs, onRunStart } =
      typeof options === "function" ? { signer: options } : options;
    let live: LiveWorld | undefined;
    try {
      const started = performance.now();
      checkExecuteRequest(request);
      const { code, ipfsId } = await this.resolveCode(request);
      const caller = await this.authenticator.resolve(request, {
        kind: "execute",
        ipfsId,
        fingerprint: fingerprint("execute", ipfsId, jsParamsText(request.jsParams)),
      });
      // The pin is taken when the run starts (onStart, below) and overlaps the sandbox's start:
      // host calls wait for it. A run that queued reads the chain as of its start, so a grant
      // removed while it waited is honoured.
      let startPin: () => void = () => undefined;
      const view = new Promise<PinnedChainView>((resolve, reject) => {
        startPin = () => {
          this.chain.pin().then(resolve, reject);
        };
      });
      view.catch(() => undefined); // a run that never starts never reads it
      live =
        world === undefined ? new LiveWorld(this.fetcher, this.chains, this.actions) : undefined;
      const recording = new RecordingWorld(world ?? live!, this.fetchLimits.recordBodyBytes);
      const host = new ExecutionHost({
        view,
        keystore: this.options.keystore,
        chainId: this.chainId,
        caller: { address: caller.authSigAddress, siwe: caller.siwe },
        authMethods: caller.authMethods,
        signer,
        claimKey: this.claims ? (id) => (this.claims as ClaimIssuer).claim(id) : undefined,
        world: recording,
        chains: this.chains,
        fetchLimits: this.fetchLimits,
      });
      const prepareMs = performance.now() - started;
      const auth = Authenticator.authContext(ipfsId, caller);
      const outcome = await this.runtime.run({
        code,
        ipfsId,
        jsParams: request.jsParams ?? {},
        host,
        auth,
        headers,
        client: { group: client ?? "", member: caller.authSigAddress ?? "" },
        signal,
        maxQueueMs,
        onStart: () => {
          startPin();
          onRunStart?.();
        },
      });
      // Every execution reads the chain at its start, whether or not its action asked anything:
      // a chain that cannot be reached fails it (CHAIN_UNAVAILABLE), as a refused read would.
      await view;
      this.lastTimings = { ...outcome.timings, prepareMs };
      const recordings = recording.records();
      return {
        success: true,
        signatures: outcome.signatures as unknown as Record<string, LitSignature>,
        response: outcome.response,
        logs: outcome.logs,
        ...(recordings.length > 0 ? { recordings } : {}),
        ...(Object.keys(host.claims).length > 0 ? { claims: host.claims } : {}),
        ...withCaller(recordedCallerOf(auth)),
      };
    } catch (error) {
      return failure(error);
    } finally {
      live?.close();
    }
  }

  /** Lit's encrypt: `{ ciphertext, dataToEncryptHash }` under one list of conditions. */
  encrypt(request: EncryptRequest): EncryptResult {
    try {
      const { kind, conditions } = conditionListOf(request);
      const data = dataBytes(request.dataToEncrypt);
      const encryption = new ConditionalEncryption(
        this.options.keystore,
        unusedReads,
        {},
        this.chainId,
      );
      return { success: true, ...encryption.encrypt(kind, conditions, data) };
    } catch (error) {
      return failure(error);
    }
  }

  /** Lit's decrypt: the data, if the conditions hold for the authSig's address at a fresh block. */
  async decrypt(request: DecryptRequest): Promise<DecryptResult> {
    try {
      const { kind, conditions } = conditionListOf(request);
      const identity = encryptionIdentity(kind, conditions, request.dataToEncryptHash);
      const resource = identity.slice(IDENTITY_PREFIX.length);
      const caller = await this.authenticator.resolve(request, {
        kind: "decrypt",
        resource,
        fingerprint: fingerprint("decrypt", resource, request.ciphertext),
      });
      const view = await this.chain.pin();
      const network = new HostNetwork(
        new LiveWorld(this.fetcher, this.chains, this.actions),
        this.chains,
        view,
        this.fetchLimits,
      );
      const encryption = new ConditionalEncryption(
        this.options.keystore,
        network.conditionReads(),
        conditionCallerOf(
          { address: caller.authSigAddress, siwe: caller.siwe },
          caller.authMethods,
        ),
        this.chainId,
      );
      const plaintext = await encryption.decrypt(
        kind,
        conditions,
        request.ciphertext,
        request.dataToEncryptHash,
      );
      let text: string | null;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(plaintext);
      } catch {
        text = null;
      }
      return {
        success: true,
        decryptedData: Buffer.from(plaintext).toString("base64"),
        decryptedString: text,
      };
    } catch (error) {
      return failure(error);
    }
  }

  /**
   * Signs a 32-byte digest for whoever may sign with scope 1: the PKP's owner, a permitted
   * address (authSig), a permitted auth method, or a session of either.
   */
  async pkpSign(request: PkpSignRequest): Promise<PkpSignResult> {
    try {
      const digest = normalizeDigest(digestBytes(request.toSign));
      const tokenId = tokenIdFromPublicKey(request.pubKey);
      const caller = await this.authenticator.resolve(request, {
        kind: "pkpSign",
        tokenId,
        fingerprint: fingerprint("pkpSign", tokenId.toString(), digest),
      });
      if (!hasCredential(caller)) {
        throw new OracleError(
          "INVALID_AUTH_SIG",
          "/pkp/sign needs an authSig, authMethods or sessionSigs",
        );
      }
      const view = await this.chain.pin();
      await authorizeHeldKey(view, this.options.keystore, {
        publicKey: request.pubKey,
        tokenId,
        authSigAddress: caller.authSigAddress,
        authMethods: caller.authMethods,
        scope: SCOPE_SIGN_ANYTHING,
      });
      return { success: true, signature: this.options.keystore.signDigest(tokenId, digest) };
    } catch (error) {
      return failure(error);
    }
  }

  /**
   * Lit's `signSessionKey` (POST /pkp/session): a capability for a session key, signed with the
   * PKP's key, carrying the verified auth methods (docs/WALLET.md).
   */
  async createSession(request: SessionRequest): Promise<SessionResult> {
    try {
      if (typeof request !== "object" || request === null) {
        throw new OracleError(
          "INVALID_REQUEST",
          "the request must be { sessionKey, authMethods, pkpPublicKey, siweMessage }",
        );
      }
      return await this.sessionIssuer.issue(request);
    } catch (error) {
      return failure(error);
    }
  }

  /**
   * Claims the key of an auth method (derivedKeyId = its id, as on Lit): one verified auth
   * method of a type this oracle verifies. The key is derived, routed and signed for before the
   * answer, so `claimAndMint` with the signatures mints it (docs/WALLET.md "Claimed keys").
   */
  async claimKey(request: ClaimRequest): Promise<ClaimResult> {
    try {
      if (typeof request !== "object" || request === null) {
        throw new OracleError("INVALID_REQUEST", "the request must be { authMethod }");
      }
      if (this.claims === undefined) {
        throw new OracleError("CLAIMS_UNAVAILABLE", "this oracle cannot claim keys");
      }
      const [method] = await this.authMethods.verifyAll([request.authMethod]);
      const claim = await this.claims.claim(method.id);
      return {
        success: true,
        claimedKeyId: claim.derivedKeyId.slice(2),
        pubkey: claim.publicKey,
        signatures: claim.signatures,
      };
    } catch (error) {
      return failure(error);
    }
  }

  /** Stores action code by its CID, like pinning it to IPFS. */
  async storeAction(code: string): Promise<{ ipfsId: string }> {
    this.checkCode(code);
    return { ipfsId: await this.actions.put(code) };
  }

  /** Where the oracle stands: chain, block, contracts, and the pool of unminted keys. */
  async health(keyType = 2n): Promise<{
    ok: boolean;
    chainId: string;
    blockNumber: number;
    contracts: Record<string, string>;
    pool: { keyType: string; unminted: number; held: number };
    runtime: { workers: number; busy: number; queued: number };
  }> {
    const { pkpNft, pkpPermissions, pubkeyRouter } = this.options.contracts;
    const [blockNumber, unminted, addresses] = await Promise.all([
      this.options.provider.getBlockNumber(),
      pubkeyRouter.unmintedKeyCount(keyType),
      Promise.all([pkpNft.getAddress(), pkpPermissions.getAddress(), pubkeyRouter.getAddress()]),
    ]);
    return {
      ok: true,
      chainId: this.chainId.toString(),
      blockNumber,
      contracts: { PKPNFT: addresses[0], PKPPermissions: addresses[1], PubkeyRouter: addresses[2] },
      pool: {
        keyType: keyType.toString(),
        unminted: Number(unminted),
        held: this.options.keystore.list().length,
      },
      runtime: this.load(),
    };
  }

  /** Sandbox workers started, busy, and executions waiting for one (no chain access). */
  load(): { workers: number; busy: number; queued: number } {
    const stats = this.runtime.stats();
    return { workers: stats.started, busy: stats.busy, queued: stats.queued };
  }

  async close(): Promise<void> {
    if (this.ownsRuntime) await this.runtime.close();
  }

  private async resolveCode(request: ExecuteRequest): Promise<{ code: string; ipfsId: string }> {
    const { code, ipfsId } = request;
    if (ipfsId !== undefined && !isCidV0(ipfsId)) {
      throw new OracleError("INVALID_CID", `ipfsId ${JSON.stringify(ipfsId)} is not a CIDv0 (Qm…)`);
    }
    if (code === undefined) {
      if (ipfsId === undefined) {
        throw new OracleError("INVALID_REQUEST", "give the action's code, its ipfsId, or both");
      }
      const stored = await this.actions.get(ipfsId);
      if (stored === undefined) {
        throw new OracleError(
          "ACTION_NOT_FOUND",
          `no action ${ipfsId} is stored here: POST its code to /actions first, or send the code`,
        );
      }
      return { code: stored, ipfsId };
    }
    this.checkCode(code);
    const computed = await this.verifiedCode.cidOf(code, ipfsId);
    if (ipfsId !== undefined && ipfsId !== computed) {
      throw new OracleError(
        "CODE_CID_MISMATCH",
        `the code hashes to ${computed}, not to the given ipfsId ${ipfsId}`,
      );
    }
    return { code, ipfsId: computed };
  }

  private checkCode(code: string): void {
    if (typeof code !== "string") {
      throw new OracleError("INVALID_REQUEST", "code must be a string of JavaScript");
    }
    if (LONE_SURROGATE.test(code)) {
      throw new OracleError(
        "INVALID_REQUEST",
        "code is not well-formed UTF-16 (it has a lone surrogate): its CID would also be the CID of other code",
      );
    }
    const bytes = Buffer.byteLength(code, "utf8");
    if (bytes > this.codeBytesLimit) {
      throw new OracleError(
        "LIMIT_EXCEEDED",
        `action code is ${bytes} bytes; the limit is ${this.codeBytesLimit}`,
      );
    }
  }
}

/**
 * A lone surrogate is hashed as U+FFFD (TextEncoder) but runs in the sandbox as itself, so two
 * different programs would share one CID, and code could borrow a permitted action's identity.
 * Only well-formed text has a single identity. (No `u` flag: match UTF-16 code units.)
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Library callers are not type-checked at run time: wrong types are the caller's fault. */
function checkExecuteRequest(request: ExecuteRequest): void {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    throw new OracleError(
      "INVALID_REQUEST",
      "the request must be { code?, ipfsId?, jsParams?, authSig? }",
    );
  }
  const { jsParams } = request as { jsParams?: unknown };
  if (
    jsParams !== undefined &&
    (typeof jsParams !== "object" || jsParams === null || Array.isArray(jsParams))
  ) {
    throw new OracleError("INVALID_REQUEST", "jsParams must be a JSON object");
  }
}

/** An array toSign must hold byte values: Uint8Array.from would silently wrap 256 to 0. */
function digestBytes(toSign: PkpSignRequest["toSign"]): Uint8Array | string {
  if (!Array.isArray(toSign)) return toSign;
  if (!toSign.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    throw new OracleError("INVALID_REQUEST", "toSign must hold byte values 0..255");
  }
  return Uint8Array.from(toSign);
}

/** The provider's raw JSON-RPC (for actions' RPC); a provider without one cannot serve it. */
function rawRpcOf(provider: ethers.Provider): RawRpc {
  const send = (provider as { send?: unknown }).send;
  if (typeof send === "function") {
    return { send: (method, params) => (send as RawRpc["send"]).call(provider, method, params) };
  }
  return {
    send: () => Promise.reject(new Error("the oracle's provider cannot send raw JSON-RPC")),
  };
}

/** encrypt reads no chain. */
const unusedReads = {
  call: () => Promise.reject(new Error("no chain reads while encrypting")),
  balance: () => Promise.reject(new Error("no chain reads while encrypting")),
  timestamp: () => Promise.reject(new Error("no chain reads while encrypting")),
};

function dataBytes(data: EncryptRequest["dataToEncrypt"]): Uint8Array {
  if (typeof data === "string") return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data;
  if (Array.isArray(data) && data.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    return Uint8Array.from(data);
  }
  throw new OracleError(
    "INVALID_REQUEST",
    "dataToEncrypt must be a string (UTF-8) or an array of byte values 0..255",
  );
}

/**
 * jsParams as text, for a sessionSig's fingerprint. Runs before the runtime's own checks, so it
 * must not overflow the stack on absurdly nested jsParams: those are the caller's mistake.
 */
function jsParamsText(jsParams: unknown): string {
  try {
    return JSON.stringify(jsParams ?? {});
  } catch (error) {
    throw new OracleError(
      "INVALID_REQUEST",
      `jsParams cannot be serialized (nested too deep, or not JSON data): ${messageOf(error)}`,
    );
  }
}

/** What a sessionSig is bound to by the replay guard: the route and what the request asks. */
function fingerprint(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\n")).digest("base64");
}

function withCaller(caller: RecordedCaller | undefined): { caller?: RecordedCaller } {
  return caller === undefined ? {} : { caller };
}

function failure(error: unknown): OracleFailure {
  const refusal = toOracleError(error);
  return { success: false, error: { code: refusal.code, message: refusal.message } };
}
