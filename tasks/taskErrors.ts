/**
 * The refusals of the `pkp:*` tasks: a user's mistake (a bad option, a missing configuration
 * variable) or an environment that cannot serve (network unreachable, oracle for another chain).
 * The task runner (tasks/runner.ts) prints them as one line each and exits non-zero; the codes are
 * stable (pkp:verify-proof --json prints them).
 *
 * Loaded with hardhat.config.ts: imports nothing generated.
 */
import { CodedError } from "../src/codedError";

export type TaskErrorCode =
  /** A flag's value is unusable (`--port 70000`, `--pkp abc`). */
  | "INVALID_OPTION"
  /** A configuration variable the network needs is missing or malformed. */
  | "MISSING_CONFIG"
  /** The contracts are not compiled and the task was told not to compile. */
  | "NOT_COMPILED"
  /** The network's RPC endpoint does not answer. */
  | "NETWORK_UNREACHABLE"
  /** The task cannot run on this network (the oracle on the in-process `hardhat` chain). */
  | "UNSUITABLE_NETWORK"
  /** The network has no account to send from. */
  | "NO_ACCOUNT"
  /** The Lit Action's file is missing, unreadable or empty. */
  | "ACTION_UNREADABLE"
  /** The oracle serves another chain or deployment, or stored other code than was sent. */
  | "ORACLE_MISMATCH"
  /** The router's pool of unminted keys stayed empty (no oracle provisioning it). */
  | "KEY_POOL_EMPTY"
  /** Ignition could not deploy the stack (its report says which step and why). */
  | "DEPLOYMENT_FAILED"
  /** A transaction failed or did not do what it should have. */
  | "TRANSACTION_FAILED"
  /** The oracle refused to run the action. */
  | "EXECUTION_REFUSED"
  /** No PKP with that token id is routed on the network. */
  | "UNKNOWN_PKP"
  /** Something else listens on the task's --host/--port. */
  | "PORT_IN_USE";

export class TaskError extends CodedError<TaskErrorCode> {}

/** pkp:deploy's refusals. */
export class DeployTaskError extends TaskError {}
/** pkp:oracle's refusals. */
export class OracleTaskError extends TaskError {}
/** The proof tasks' refusals (pkp:mint-grant-burn, pkp:execute, pkp:verify-proof). */
export class ProofTaskError extends TaskError {}
/** pkp:explorer's refusals. */
export class ExplorerTaskError extends TaskError {}
/** pkp:streams' refusals. */
export class StreamsTaskError extends TaskError {}
/** The wallet tasks' refusals (pkp:dev-issuer, pkp:mint-for-auth). */
export class WalletTaskError extends TaskError {}

/** The generated files (typechain-types/, artifacts/) are missing and compiling was skipped. */
export class NotCompiledError extends TaskError {
  constructor(options?: { cause?: unknown }) {
    super(
      "NOT_COMPILED",
      "the contracts are not compiled (no typechain-types/ or artifacts/): run it without " +
        "--no-compile, or `npx hardhat compile` first",
      options,
    );
  }
}
