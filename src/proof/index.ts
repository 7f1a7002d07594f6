/**
 * Auditor proofs (docs/PROOFS.md): the proof bundle, its validation, the verifier and its report,
 * the bundle writer's helpers, and the oracle's HTTP client.
 */
export * from "./bundle";
export { ProofBundleError, parseProofBundle, type ProofBundleErrorCode } from "./schema";
export { readProofBundle, writeProofBundle } from "./bundleFile";
export { loadCompiledContracts, compareRuntimeCode, type CompiledContracts } from "./compiled";
export { DEFAULT_LOG_CHUNK_BLOCKS, type LogScanProgress } from "./chainLogs";
export {
  verifyProof,
  CHECK_IDS,
  type CheckId,
  type CheckResult,
  type CheckStatus,
  type VerificationReport,
  type VerifyProofOptions,
} from "./verifier";
export { renderReport, reportToJson, verdictLine, CHECK_TITLES } from "./report";
export {
  buildProofBundle,
  collectProofBundle,
  findMintTransaction,
  proofContractsOf,
  MintNotFoundError,
} from "./collect";
export {
  DEFAULT_ORACLE_URL,
  OracleClient,
  OracleClientError,
  type OracleClientErrorCode,
  type OracleHealth,
} from "./oracleClient";
