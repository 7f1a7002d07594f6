/**
 * The public types of `hre.pkp` (the plugin, `import "<package>/hardhat"`). Shared by the lazy
 * facade (helpers.ts) and its implementation (stack.ts, oracleClient.ts); type-only imports, so
 * loading this file loads nothing.
 */
import type { Signer } from "ethers";
import type { DeploymentRecord, PkpContracts } from "../src/deployments";
import type { AuthSig } from "../src/oracle/authSig";
import type { Keystore } from "../src/oracle/keystore";
import type { SigningOracle } from "../src/oracle/oracle";
import type { ActionLimits } from "../src/oracle/runtime";
import type { LitSignature } from "../src/oracle/signing";
import type { ProofBundle, VerificationReport } from "../src/proof";

export interface PkpDeployOptions {
  /** Granted the key-provider role on PubkeyRouter (default: the deployer only). */
  keyProvider?: string;
  /** PKPNFT's mint cost in wei (default 1). */
  mintCost?: bigint;
  /**
   * Where the deployment record is read and written (default `deployments/` at the project's
   * root). On the in-process `hardhat` network no record is read or written unless this is given.
   */
  deploymentsDir?: string;
  /** Progress lines (default: silent). */
  log?: (line: string) => void;
}

/** A deployed stack: the record (`deployments/<network>.json`'s content) and typed handles. */
export interface PkpDeployment {
  record: DeploymentRecord;
  /** TypeChain handles on the five contracts, connected to the deployer. */
  contracts: PkpContracts;
  /** The account that deployed (the first signer), PKPNFT's owner and first key provider. */
  deployer: Signer;
  /** False when a live deployment was found and reused (nothing was sent). */
  deployedNow: boolean;
}

export interface PkpOracleOptions {
  /** Unminted keys the oracle keeps in the router's pool (default 3). */
  poolTarget?: number;
  /** Sandbox worker threads (default 1). */
  workers?: number;
  /** Limits of each action run (time, memory, code and response size…; docs/ORACLE.md). */
  limits?: Partial<ActionLimits>;
  /** The account that registers keys (default: the deployer, who holds the role). */
  keyProvider?: Signer;
  /** The stack to serve (default: the last `deploy()` / `fixture()`, else the network's record). */
  deployment?: PkpDeployment;
}

/** Lit's `executeJs` request (js-sdk v7): the code or its IPFS CID, jsParams, an optional authSig. */
export interface LitExecuteRequest {
  code?: string;
  ipfsId?: string;
  jsParams?: Record<string, unknown>;
  authSig?: AuthSig;
}

/** Lit's `executeJs` response shape (js-sdk v7). */
export interface LitExecuteResponse {
  success: true;
  /** By sigName: `{ r, s, recid, signature, publicKey, dataSigned }`. */
  signatures: Record<string, LitSignature>;
  /** What the action gave `Lit.Actions.setResponse`: JSON-parsed when it is JSON (as the SDK does). */
  response: unknown;
  logs: string;
}

/** Lit's `pkpSign` request; without an authSig one is signed by `signer` (default: the deployer). */
export interface PkpSignRequest {
  /** The PKP's public key (0x04…). */
  pubKey: string;
  /** The 32-byte digest to sign. */
  toSign: string | Uint8Array | number[];
  authSig?: AuthSig;
  signer?: Signer;
}

/**
 * The in-process signing oracle. Refusals reject with an `OracleError` whose `code` is the
 * oracle's (NOT_PERMITTED, UNKNOWN_PKP, ACTION_ERROR, …; docs/ORACLE.md).
 */
export interface PkpOracleClient {
  /** Runs a Lit Action (Lit's executeJs). */
  execute(request: LitExecuteRequest): Promise<LitExecuteResponse>;
  /** Signs a digest for the PKP's owner or a permitted address (Lit's pkpSign). */
  sign(request: PkpSignRequest): Promise<LitSignature>;
  /** Stores action code by its CID (like pinning it to IPFS); resolves to the CID. */
  storeAction(code: string): Promise<string>;
  /** Refills the router's pool to the target; resolves to the number of unminted keys. */
  provision(): Promise<number>;
  /** Stops the sandbox workers. The client refuses further calls. */
  stop(): Promise<void>;
  /** The oracle library object behind this client (src/oracle/oracle.ts). */
  readonly oracle: SigningOracle;
  /** The in-memory keystore (shared by every oracle this `hre` starts). */
  readonly keystore: Keystore;
  readonly deployment: PkpDeployment;
}

/** A PKP minted, granted to one action and burned in one transaction. */
export interface MintedPkp {
  tokenId: bigint;
  /** 0x04… (65 bytes). */
  publicKey: string;
  /** The PKP's Ethereum address (what a contract recovers from its signatures). */
  ethAddress: string;
  /** The action's CIDv0, granted with scope 1 (sign anything). */
  ipfsId: string;
  /** The mint/grant/burn transaction. */
  txHash: string;
  /** The action's code. */
  code: string;
}

export interface PkpMintOptions {
  /** Who pays the mint cost and sends the transaction (default: the deployer). */
  signer?: Signer;
  /** The oracle that stores the action and provides the key (default: the last one started). */
  oracle?: PkpOracleClient;
}

export interface PkpVerifyOptions {
  /** Also run the action again and compare (the reproduction check; default false). */
  reexecute?: boolean;
  /** Blocks per eth_getLogs request (default 5000). */
  logChunkBlocks?: number;
}

/** `hre.pkp`: the PKP stack in a Hardhat project. Nothing runs until a method is called. */
export interface PkpHardhatHelpers {
  /**
   * Deploys and wires the five contracts from the package's own artifacts (never recompiled with
   * the project's settings), or reuses a live deployment (idempotent, like `pkp:deploy`).
   */
  deploy(options?: PkpDeployOptions): Promise<PkpDeployment>;
  /** `deploy()` on the in-process network, snapshotted with `loadFixture`: cheap to call per test. */
  fixture(): Promise<PkpDeployment>;
  /** Starts a signing oracle in this process: in-memory keystore, provisioned key pool. */
  startOracle(options?: PkpOracleOptions): Promise<PkpOracleClient>;
  /**
   * Mints a PKP, grants it the action and burns it, in one transaction. `codeOrPath` is a file
   * (a string ending in .js, relative to the project's root or absolute) or the code itself.
   * Needs a running oracle (startOracle): it stores the action and holds the key.
   */
  mintGrantAndBurn(codeOrPath: string, options?: PkpMintOptions): Promise<MintedPkp>;
  /** The proof bundle of an execution with a minted PKP (docs/PROOFS.md). */
  proofBundle(
    pkp: MintedPkp,
    execution: { jsParams: Record<string, unknown>; result: LitExecuteResponse },
  ): Promise<ProofBundle>;
  /** Checks a proof bundle (or a bundle file) against this network: the verifier's report. */
  verifyProof(
    bundle: ProofBundle | string,
    options?: PkpVerifyOptions,
  ): Promise<VerificationReport>;
  /** The path of one of the package's example actions, e.g. `exampleAction("isPrime")`. */
  exampleAction(name: string): string;
}
