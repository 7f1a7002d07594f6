/**
 * The proof bundle: everything an auditor needs to check, against a chain, that a signature was
 * made by a PKP that was minted, granted one Lit Action and burned in one transaction.
 *
 * It is plain JSON (docs/PROOFS.md has the schema). Only hashes, addresses and public data: it
 * holds no secret, and nothing in it is trusted by the verifier — every claim is checked against
 * the chain, the code or the signatures.
 */
import { CONTRACT_NAMES, type ContractName } from "../deploymentRecord";
import type { RecordedCaller } from "../oracle/auth/callerRecord";
import type { ExternalRecord } from "../oracle/recordings";
import type { LitSignature } from "../oracle/signing";

/** The version this code writes and reads. A reader refuses any other. */
export const PROOF_BUNDLE_VERSION = 1;

/** The contracts every bundle names (the others of a deployment are optional). */
export const REQUIRED_PROOF_CONTRACTS = ["PubkeyRouter", "PKPNFT", "PKPPermissions"] as const;
/** Contracts a bundle may name: a deployment's five. */
export const PROOF_CONTRACT_NAMES = CONTRACT_NAMES;

export type ProofContractName = ContractName;

export interface ProofContract {
  /** Checksummed address. */
  address: string;
  /** The block the contract was created in: where the verifier's log search starts. */
  deployedBlock: number;
}

export type ProofContracts = Record<(typeof REQUIRED_PROOF_CONTRACTS)[number], ProofContract> &
  Partial<Record<ProofContractName, ProofContract>>;

export interface ProofPkp {
  /** uint256 as a decimal string (JSON numbers cannot hold it). */
  tokenId: string;
  /** `0x04…`: the 65-byte uncompressed secp256k1 public key, lowercase hex. */
  publicKey: string;
  /** Checksummed Ethereum address of the public key. */
  ethAddress: string;
}

export interface ProofAction {
  /** CIDv0 (`Qm…`) of `code`. */
  ipfsId: string;
  /** The action's full source, exactly the bytes that were hashed. */
  code: string;
}

export interface ProofExecution {
  /** The parameters the action ran with (JSON object). */
  jsParams: Record<string, unknown>;
  /** The string the action gave to setResponse. */
  response: string;
  /** Lit's shape: sigName → signature. */
  signatures: Record<string, LitSignature>;
  /**
   * What the action received from outside the chain (fetch responses, JSON-RPC answers, child
   * actions' code), in the order it asked: the verifier's `--reexecute` replays them instead of
   * fetching. Absent when the action received nothing (src/oracle/recordings.ts).
   */
  recordings?: ExternalRecord[];
  /**
   * Who the action saw as its caller (`Lit.Auth` without the CIDs), as the oracle verified it —
   * the oracle's word, never a credential. The re-execution runs with it. Absent: nobody
   * (src/oracle/auth/callerRecord.ts).
   */
  caller?: RecordedCaller;
}

export interface ProofBundle {
  version: typeof PROOF_BUNDLE_VERSION;
  /** The chain the PKP lives on. */
  chainId: number;
  contracts: ProofContracts;
  pkp: ProofPkp;
  action: ProofAction;
  /** The transaction that minted, granted and burned the PKP. */
  mintTxHash: string;
  execution: ProofExecution;
}
