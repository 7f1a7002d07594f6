/**
 * The arguments of each `pkp:*` task as Hardhat passes them to the action (flag names in
 * camelCase). Shared by a task's registration (tasks/<task>.ts) and its implementation, which
 * therefore do not import each other's types.
 */

export interface DeployTaskArgs {
  keyProvider?: string;
  mintCost?: string;
  deploymentsDir?: string;
  noCompile: boolean;
}

export interface OracleTaskArgs {
  host: string;
  port: number;
  dataDir?: string;
  keystoreDir?: string;
  deploymentsDir?: string;
  poolTarget: number;
  poolLowWater?: number;
  maxConcurrent: number;
  /** Origins actions may fetch from (`--fetch-allow`, repeatable). */
  fetchAllow?: string[];
  /** More chains for actions (`--chain <name>=<url>`, repeatable). */
  chain?: string[];
  /** Lit's stricter datil limits for actions (`--lit-limits`). */
  litLimits: boolean;
  maxConnectionsPerClient: number;
  maxQueueMs: number;
  workers?: number;
  maxWorkers?: number;
  maxRunningPerClient?: number;
  workerIdleMs: number;
  maxHostCalls: number;
  hostCallBytes: number;
  bodyTimeoutMs: number;
  minBodyRate: number;
  maxAuthsigLifetime: string;
  /** Accepted authSig domains (`--authsig-domain <domain>`, repeatable or comma-separated). */
  authsigDomain?: string[];
  actionStoreMaxBytes: number;
  actionStoreRate: number;
  /** Trusted OIDC issuers (`--oidc-issuer`, repeatable; default Google's). */
  oidcIssuer?: string[];
  /** Accepted client ids (`--oidc-audience <id>` or `<issuer>#<id>`, repeatable). */
  oidcAudience?: string[];
}

export interface DevIssuerTaskArgs {
  port: number;
  keyFile?: string;
}

export interface MintForAuthTaskArgs {
  authMethodType: number;
  idToken?: string;
  scopes: string;
  selfOwned: boolean;
  deploymentsDir?: string;
}

export interface MintGrantBurnTaskArgs {
  action: string;
  oracle?: string;
  deploymentsDir?: string;
}

export interface ExecuteTaskArgs {
  action: string;
  pkp: string;
  params: string;
  out: string;
  oracle?: string;
  deploymentsDir?: string;
}

export interface VerifyProofTaskArgs {
  proof: string;
  json: boolean;
  reexecute: boolean;
  logChunkBlocks?: number;
  noCompile: boolean;
}

export interface ExplorerTaskArgs {
  host: string;
  port: number;
  oracle?: string;
  deploymentsDir?: string;
}

export interface StreamsTaskArgs {
  port: number;
  db: string;
}
