/**
 * The library entry of the package (`import { … } from "<package>"`): what a program uses without
 * Hardhat's task runner. The Hardhat plugin is the other entry (`<package>/hardhat`,
 * plugin/index.ts). Everything not exported here or there is internal and may change.
 *
 * Nothing in the repository imports this file: it only gathers the public names.
 */
export { CodedError } from "./codedError";
export * from "./protocol";
export { cidOfCode, cidFromBytes, cidToBytes, isCidV0, InvalidCidError } from "./cid";

// Deployment records and typed contract handles.
export {
  CONTRACT_NAMES,
  DEFAULT_DEPLOYMENTS_DIR,
  DeploymentError,
  connectContracts,
  deploymentPath,
  loadDeployment,
  parseDeploymentRecord,
  readDeploymentRecord,
  verifyDeploymentOnChain,
  writeDeployment,
  type ContractName,
  type DeployedContract,
  type DeploymentErrorCode,
  type DeploymentRecord,
  type LoadedDeployment,
  type PkpContracts,
} from "./deployments";
export {
  PKPHelper__factory,
  PKPNFTMetadata__factory,
  PKPNFT__factory,
  PKPPermissions__factory,
  PubkeyRouter__factory,
  type PKPHelper,
  type PKPNFT,
  type PKPNFTMetadata,
  type PKPPermissions,
  type PubkeyRouter,
} from "../typechain-types";

// The compiled contracts the package deploys and verifies, and where its files are.
export {
  ArtifactNotFoundError,
  ArtifactsDirectory,
  type ContractArtifacts,
} from "./contractArtifacts";
export { EXAMPLE_ACTIONS_DIR, PACKAGE_ARTIFACTS_DIR } from "./packageLayout";

// The signing oracle: library, keystores, key provisioning, action runtime, HTTP service.
export {
  SigningOracle,
  type ClaimRequest,
  type ClaimResult,
  type ExecuteRequest,
  type ExecuteResult,
  type ExecuteSuccess,
  type OracleFailure,
  type PkpSignRequest,
  type PkpSignResult,
  type SessionResult,
  type SigningOracleOptions,
} from "./oracle/oracle";
export { OracleError, type OracleErrorCode } from "./oracle/errors";
export { MemoryKeystore, FileKeystore, type Keystore, type StoredKey } from "./oracle/keystore";
export { KeyProvisioner, type KeyProvisionerOptions } from "./oracle/provisioning";
export {
  ActionFailure,
  ActionRuntime,
  DEFAULT_LIMITS,
  type ActionLimits,
  type ActionOutcome,
  type ActionRuntimeOptions,
} from "./oracle/runtime";
export { createAuthSig, verifyAuthSig, type AuthSig } from "./oracle/authSig";
export type { LitSignature } from "./oracle/signing";
export {
  startOracleService,
  type OracleService,
  type OracleServiceOptions,
} from "./oracle/http/service";

// Wallets (docs/WALLET.md): auth methods, sessions, the PKP signer, minting for a login, the
// development OIDC issuer, claimed keys.
export { AuthError, type AuthErrorCode } from "./oracle/auth/authErrors";
export type { AuthMethod } from "./oracle/auth/authMethods";
export { authMethodIdOf } from "./oracle/auth/authMethodId";
export type { OidcIssuerConfig, OidcOptions } from "./oracle/auth/oidc";
export { derivedKeyIdOfAction, type ClaimsOptions, type KeyClaim } from "./oracle/auth/claims";
export { PkpSigner, type PkpAuthorization, type PkpSignerOptions } from "./wallet/pkpSigner";
export { PkpSession, type OpenSessionOptions } from "./wallet/session";
export {
  WalletError,
  httpOracle,
  type OracleEndpoint,
  type WalletErrorCode,
} from "./wallet/oracleEndpoint";
export {
  mintForAuthMethod,
  mintForIdToken,
  pkpsForAuthMethod,
  type MintForAuthOptions,
  type MintedPkp,
} from "./wallet/mintForAuth";
export {
  DevIssuer,
  createDevIssuer,
  startDevIssuer,
  type DevIssuerOptions,
  type DevIssuerServer,
} from "./wallet/devIssuer";

// Auditor proofs: bundles, the verifier and its report (docs/PROOFS.md).
export * from "./proof";
